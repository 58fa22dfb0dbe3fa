# Reference values for sarcosurv's Kaplan-Meier estimator, computed with R survival.
# Run from the repository root:  Rscript tests/reference/km_reference.R
# Writes tests/reference/km_reference.json (full precision: jsonlite digits = NA).
#
# Every case is a survfit() call; for each conf.type the table (time, n.risk, n.event,
# n.censor, surv, std.err on the survival scale = surv * std.err of survfit, lower, upper),
# quantile.survfit() at probs 0.25/0.5/0.75 with its Brookmeyer-Crowley limits, and
# summary(fit, times =, extend = TRUE) at landmark times are stored.
# Non-integer case weights: survfit switches to the robust (infinitesimal jackknife)
# variance by default; sarcosurv reports Greenwood with weighted counts, so that case
# is computed with robust = FALSE.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

lung <- survival::lung
lung$status01 <- lung$status - 1
lung$months <- round(lung$time / 30.4375)           # heavy ties
lung$wint <- 1 + (seq_len(nrow(lung)) %% 3)          # integer case weights
lung$wfrac <- 0.5 + (seq_len(nrow(lung)) %% 4) * 0.25  # fractional case weights
heart <- survival::heart
flat_mid <- data.frame(time = 1:8, status = rep(1, 8))           # S = 0.5 on [4, 5)
flat_end <- data.frame(time = c(1, 2, 3, 4), status = c(1, 1, 0, 0))  # ends at 0.5
flat_q <- data.frame(time = c(2, 3, 3, 5, 7, 8, 10, 12), status = c(1, 1, 0, 1, 1, 0, 1, 0))

landmarks <- c(0, 0.5, 1, 5, 30, 100, 180, 365, 500, 730, 1000, 5000)

cases <- list(
  lung_all = list(f = Surv(time, status01) ~ 1, d = lung),
  lung_sex = list(f = Surv(time, status01) ~ sex, d = lung),
  lung_sex_ecog = list(f = Surv(time, status01) ~ sex + ph.ecog, d = lung),
  veteran_celltype = list(f = Surv(time, status) ~ celltype, d = survival::veteran),
  ovarian_rx = list(f = Surv(futime, fustat) ~ rx, d = survival::ovarian),
  aml_x = list(f = Surv(time, status) ~ x, d = survival::aml),
  heart_entry = list(f = Surv(start, stop, event) ~ 1, d = heart),
  heart_entry_transplant = list(f = Surv(start, stop, event) ~ transplant, d = heart),
  lung_months = list(f = Surv(months, status01) ~ 1, d = lung),
  lung_months_sex = list(f = Surv(months, status01) ~ sex, d = lung),
  lung_wint = list(f = Surv(time, status01) ~ sex, d = lung, w = "wint"),
  lung_wfrac = list(f = Surv(time, status01) ~ 1, d = lung, w = "wfrac"),
  flat_mid = list(f = Surv(time, status) ~ 1, d = flat_mid),
  flat_end = list(f = Surv(time, status) ~ 1, d = flat_end),
  flat_q = list(f = Surv(time, status) ~ 1, d = flat_q)
)

one_fit <- function(case, conf_type) {
  args <- list(formula = case$f, data = case$d, conf.type = conf_type)
  if (!is.null(case$w)) {
    args$weights <- case$d[[case$w]]
    args$robust <- FALSE
  }
  do.call(survfit, args)
}

strata_of <- function(fit) {
  if (is.null(fit$strata)) rep("all", length(fit$time))
  else rep(names(fit$strata), fit$strata)
}

out <- list()
for (nm in names(cases)) {
  case <- cases[[nm]]
  res <- list()
  for (ct in c("plain", "log", "log-log", "arcsin")) {
    fit <- one_fit(case, ct)
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
    qs <- lapply(c("quantile", "lower", "upper"), function(k) {
      m <- q[[k]]
      if (is.null(dim(m))) m <- matrix(m, nrow = 1)
      unname(m)
    })
    names(qs) <- c("quantile", "lower", "upper")
    s <- summary(fit, times = landmarks, extend = TRUE)
    sstrata <- if (is.null(s$strata)) rep("all", length(s$time)) else as.character(s$strata)
    res[[ct]] <- list(
      table = list(strata = strata_of(fit), time = fit$time, n_risk = fit$n.risk,
                   n_event = fit$n.event, n_censor = fit$n.censor, surv = fit$surv,
                   std_err = fit$surv * fit$std.err, lower = fit$lower, upper = fit$upper),
      strata_names = if (is.null(fit$strata)) "all" else names(fit$strata),
      quantile_probs = c(0.25, 0.5, 0.75),
      quantile = qs$quantile, quantile_lower = qs$lower, quantile_upper = qs$upper,
      landmarks = list(strata = sstrata, time = s$time, surv = s$surv, lower = s$lower,
                       upper = s$upper, n_risk = s$n.risk, std_err = s$std.err)
    )
  }
  out[[nm]] <- res
}

# Median follow-up by the reverse Kaplan-Meier (events and censorings swapped).
rev <- survfit(Surv(time, 1 - status01) ~ 1, data = lung, conf.type = "log-log")
rq <- quantile(rev, probs = 0.5)
out[["followup_lung"]] <- list(median = unname(rq$quantile), lower = unname(rq$lower),
                               upper = unname(rq$upper))
out[["constructed"]] <- list(flat_mid = flat_mid, flat_end = flat_end, flat_q = flat_q)
out[["r_version"]] <- paste(R.version$major, R.version$minor, sep = ".")
out[["survival_version"]] <- as.character(packageVersion("survival"))

write(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
      file.path("tests", "reference", "km_reference.json"))
