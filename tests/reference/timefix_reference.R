# Reference values for timefix: times equal up to floating-point rounding are merged by
# R's aeqSurv, which survfit() and survdiff() apply by default (timefix = TRUE).
# Run from the repository root:  Rscript tests/reference/timefix_reference.R
# Writes tests/reference/timefix_reference.json (full precision: jsonlite digits = NA).
#
# Cases: an age time scale (exit age = age + time / 12, with integer age and time, so
# Python computes the same doubles) on lung and veteran, with and without entry at the
# age at start; and a toy where 0.1 + 0.2 and 0.3 differ by one rounding.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

lung <- survival::lung
lung$status01 <- lung$status - 1
lung$exit_age <- lung$age + lung$time / 12
veteran <- survival::veteran
veteran$exit_age <- veteran$age + veteran$time / 12
toy <- data.frame(
  time = c(0.1 + 0.2, 0.3, 0.3, 0.7, 0.1 + 0.6, 1, 0.4, 0.2 + 0.2, 0.6, 0.9, 0.3, 1.1),
  status = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1),
  group = c(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 2, 1)
)

km_case <- function(formula, data) {
  fit <- survfit(formula, data = data, conf.type = "log-log")
  strata <- if (is.null(fit$strata)) rep("all", length(fit$time)) else
    rep(names(fit$strata), fit$strata)
  list(strata = strata, time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event,
       n_censor = fit$n.censor, surv = fit$surv, std_err = fit$surv * fit$std.err,
       lower = fit$lower, upper = fit$upper,
       n_distinct_untied = length(unique(model.response(model.frame(formula, data))[, 1])))
}

lr_case <- function(formula, data) {
  fit <- survdiff(formula, data = data)
  list(statistic = unname(fit$chisq), df = length(fit$n) - 1L, observed = unname(fit$obs),
       expected = unname(fit$exp), variance = unname(fit$var))
}

out <- list()
out$km <- list(
  lung_exit_age = km_case(Surv(exit_age, status01) ~ 1, lung),
  lung_exit_age_sex = km_case(Surv(exit_age, status01) ~ sex, lung),
  lung_age_scale_entry = km_case(Surv(age, exit_age, status01) ~ sex, lung),
  veteran_exit_age = km_case(Surv(exit_age, status) ~ 1, veteran),
  toy = km_case(Surv(time, status) ~ group, toy)
)
out$logrank <- list(
  lung_exit_age_sex = lr_case(Surv(exit_age, status01) ~ sex, lung),
  veteran_exit_age_trt = lr_case(Surv(exit_age, status) ~ trt, veteran),
  toy = lr_case(Surv(time, status) ~ group, toy)
)
rev <- survfit(Surv(exit_age, 1 - status01) ~ 1, data = lung, conf.type = "log-log")
rq <- quantile(rev, probs = 0.5)
out$followup_lung_exit_age <- list(median = unname(rq$quantile), lower = unname(rq$lower),
                                   upper = unname(rq$upper))
# aeqSurv itself on the pooled values
x <- c(toy$time, lung$exit_age)
fixed <- c(aeqSurv(Surv(x, rep(1, length(x))))[, 1])
# JSON keeps 15 significant digits: the rank of each merged value is stored as well.
out$aeq <- list(output = fixed, rank = match(fixed, sort(unique(fixed))),
                rank_untied = match(x, sort(unique(x))))
out$toy <- toy
out$r_version <- paste(R.version$major, R.version$minor, sep = ".")
out$survival_version <- as.character(packageVersion("survival"))

write(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
      file.path("tests", "reference", "timefix_reference.json"))
