# Reference values for sarcosurv's competing-risks estimators and RMST, from R.
# Run from the repository root:  Rscript tests/reference/competing_reference.R
# Exports the prepared data sets to tests/data/ (mgus2_cr, rotterdam_cr, compete_sim)
# and writes tests/reference/competing_reference.json (jsonlite digits = NA).
#
# * Aalen-Johansen: survfit(Surv(time, factor(event)) ~ by) (multi-state; the
#   infinitesimal-jackknife standard error is survfit's only variance there).
#   Left truncation needs Surv(entry, time, factor(event)) with id = row.
# * Gray's test: cmprsk::cuminc(ftime, fstatus, group, strata)$Tests.
# * RMST: survival:::survmean(fit, rmean = tau) (what print(fit, rmean = tau) shows);
#   rmst_test: difference and ratio of two groups' RMSTs computed here from those
#   (Royston & Parmar 2013: independent groups, delta method on the log ratio).
suppressMessages(library(survival))
suppressMessages(library(cmprsk))
suppressMessages(library(jsonlite))

out_dir <- file.path("tests", "data")
pbc <- survival::pbc

mgus2 <- survival::mgus2
mgus2$etime <- ifelse(mgus2$pstat == 0, mgus2$futime, mgus2$ptime)
mgus2$event <- ifelse(mgus2$pstat == 0, 2 * mgus2$death, 1)
mgus2$agein <- mgus2$age
mgus2$ageout <- mgus2$age + mgus2$etime / 12
mgus2$sex <- as.character(mgus2$sex)

rott <- survival::rotterdam
rott$rfstime <- ifelse(rott$recur == 1, rott$rtime, rott$dtime)
rott$rfs_event <- ifelse(rott$recur == 1, 1, 2 * rott$death)
rott$id <- seq_len(nrow(rott))

set.seed(2020)
n <- 400
sim <- data.frame(id = seq_len(n), group = sample(c("a", "b", "c"), n, replace = TRUE),
                  stratum = sample(1:2, n, replace = TRUE))
rate <- c(a = 1, b = 1.5, c = 0.7)[sim$group]
lat <- rexp(n, rate * 0.1)
cens <- runif(n, 0, 25)
sim$time <- ceiling(pmin(lat, cens))              # integer times: many ties
sim$cause <- ifelse(lat <= cens, sample(1:3, n, replace = TRUE, prob = c(.5, .3, .2)), 0)
sim$entry <- floor(runif(n) * sim$time * 0.5)       # entry < time
sim$wint <- 1 + (sim$id %% 3)
sim$wfrac <- 0.5 + (sim$id %% 4) * 0.25
sim$centre <- 1 + (sim$id * 7) %% 9

write.csv(mgus2, file.path(out_dir, "mgus2_cr.csv"), row.names = FALSE, na = "")
write.csv(rott, file.path(out_dir, "rotterdam_cr.csv"), row.names = FALSE, na = "")
write.csv(sim, file.path(out_dir, "compete_sim.csv"), row.names = FALSE, na = "")

aj_case <- function(f, d, conf = "log-log", w = NULL, id = FALSE) {
  d$.w <- if (is.null(w)) 1 else d[[w]]
  fit <- if (id) survfit(f, data = d, weights = .w, id = id, conf.type = conf)
         else survfit(f, data = d, weights = .w, conf.type = conf)
  strata <- if (is.null(fit$strata)) rep("all", length(fit$time))
            else rep(names(fit$strata), fit$strata)
  states <- fit$states
  causes <- states[-1]
  list(time = fit$time, strata = strata, causes = causes,
       n_risk = fit$n.risk[, 1],
       n_event = fit$n.event[, -1, drop = FALSE],
       cif = fit$pstate[, -1, drop = FALSE], std_err = fit$std.err[, -1, drop = FALSE],
       lower = fit$lower[, -1, drop = FALSE], upper = fit$upper[, -1, drop = FALSE],
       call = paste(deparse(f), collapse = ""), conf = conf, weights = if (is.null(w)) "" else w)
}

aj <- list(
  pbc_trt = aj_case(Surv(time, factor(status)) ~ trt, pbc),
  pbc_all_log = aj_case(Surv(time, factor(status)) ~ 1, pbc, conf = "log"),
  pbc_all_plain = aj_case(Surv(time, factor(status)) ~ 1, pbc, conf = "plain"),
  mgus2_sex = aj_case(Surv(etime, factor(event)) ~ sex, mgus2),
  mgus2_age_entry = aj_case(Surv(agein, ageout, factor(event)) ~ sex, mgus2, id = TRUE),
  rotterdam_chemo = aj_case(Surv(rfstime, factor(rfs_event)) ~ chemo, rott),
  sim_group = aj_case(Surv(time, factor(cause)) ~ group, sim),
  sim_group_wfrac = aj_case(Surv(time, factor(cause)) ~ group, sim, w = "wfrac"),
  sim_entry_wint = aj_case(Surv(entry, time, factor(cause)) ~ group, sim, w = "wint", id = TRUE),
  sim_entry = aj_case(Surv(entry, time, factor(cause)) ~ 1, sim, conf = "log", id = TRUE)
)

gray_case <- function(d, time, cause, group, strata = NULL) {
  keep <- complete.cases(d[, c(time, cause, group, strata)])
  d <- d[keep, ]
  ci <- if (is.null(strata)) cuminc(d[[time]], d[[cause]], d[[group]])
        else cuminc(d[[time]], d[[cause]], d[[group]], d[[strata]])
  tests <- ci$Tests
  list(cause = rownames(tests), statistic = unname(tests[, "stat"]),
       p_value = unname(tests[, "pv"]), df = unname(tests[, "df"]),
       time = time, event = cause, by = group, strata = if (is.null(strata)) "" else strata)
}

gray <- list(
  pbc_trt = gray_case(pbc, "time", "status", "trt"),
  pbc_trt_sex = gray_case(pbc, "time", "status", "trt", "sex"),
  pbc_edema = gray_case(pbc, "time", "status", "edema"),
  mgus2_sex = gray_case(mgus2, "etime", "event", "sex"),
  rotterdam_chemo_hormon = gray_case(rott, "rfstime", "rfs_event", "chemo", "hormon"),
  rotterdam_grade = gray_case(rott, "rfstime", "rfs_event", "grade"),
  sim_group = gray_case(sim, "time", "cause", "group"),
  sim_group_stratum = gray_case(sim, "time", "cause", "group", "stratum")
)

lung <- survival::lung
lung$status01 <- lung$status - 1
lung$months <- round(lung$time / 30.4375)
pbc$dead <- as.integer(pbc$status == 2)
heart <- survival::heart

rmst_case <- function(f, d, tau) {
  fit <- survfit(f, data = d)
  m <- survival:::survmean(fit, scale = 1, rmean = tau)$matrix
  if (is.null(dim(m))) m <- matrix(m, nrow = 1, dimnames = list("all", names(m)))
  list(strata = rownames(m), rmst = unname(m[, "rmean"]), std_err = unname(m[, "se(rmean)"]),
       tau = tau, call = paste(deparse(f), collapse = ""))
}

rmst <- list(
  lung_all_365 = rmst_case(Surv(time, status01) ~ 1, lung, 365),
  lung_sex_365 = rmst_case(Surv(time, status01) ~ sex, lung, 365),
  lung_sex_730 = rmst_case(Surv(time, status01) ~ sex, lung, 730),
  lung_months_sex_24 = rmst_case(Surv(months, status01) ~ sex, lung, 24),
  pbc_trt_1800 = rmst_case(Surv(time, dead) ~ trt, pbc, 1800),
  heart_entry_500 = rmst_case(Surv(start, stop, event) ~ transplant, heart, 500)
)

# rmst_test: two groups, default tau = smallest of the groups' largest follow-up times.
rmst_test_case <- function(d, time, event, by, tau = NULL) {
  d <- d[complete.cases(d[, c(time, event, by)]), ]
  if (is.null(tau)) tau <- min(tapply(d[[time]], d[[by]], max))
  f <- as.formula(paste0("Surv(", time, ", ", event, ") ~ ", by))
  r <- rmst_case(f, d, tau)
  z <- qnorm(0.975)
  diff <- r$rmst[2] - r$rmst[1]
  se_diff <- sqrt(sum(r$std_err^2))
  log_ratio <- log(r$rmst[2] / r$rmst[1])
  se_log <- sqrt(sum((r$std_err / r$rmst)^2))
  list(tau = tau, groups = r$strata, rmst = r$rmst, std_err = r$std_err,
       difference = diff, difference_se = se_diff,
       difference_lower = diff - z * se_diff, difference_upper = diff + z * se_diff,
       difference_p = 2 * pnorm(-abs(diff / se_diff)),
       ratio = exp(log_ratio), ratio_lower = exp(log_ratio - z * se_log),
       ratio_upper = exp(log_ratio + z * se_log), ratio_p = 2 * pnorm(-abs(log_ratio / se_log)),
       time = time, event = event, by = by)
}

rmst_tests <- list(
  lung_sex = rmst_test_case(lung, "time", "status01", "sex"),
  lung_sex_365 = rmst_test_case(lung, "time", "status01", "sex", 365),
  pbc_trt = rmst_test_case(pbc, "time", "dead", "trt")
)

# Fine-Gray: crr with a tight gradient tolerance (its default gtol = 1e-6 stops early).
fg_crr <- function(d, time, event, rhs, cause) {
  d <- d[complete.cases(d[, c(time, event, all.vars(as.formula(paste("~", rhs))))]), ]
  X <- model.matrix(as.formula(paste("~", rhs)), d)[, -1, drop = FALSE]
  fit <- crr(d[[time]], d[[event]], X, failcode = cause, gtol = 1e-10, maxiter = 200)
  pred <- predict(fit, X[1:2, , drop = FALSE])
  list(terms = names(fit$coef), coef = unname(fit$coef), std_err = unname(sqrt(diag(fit$var))),
       loglik = fit$loglik, loglik_null = fit$loglik.null, converged = fit$converged,
       pred_time = pred[, 1], pred_cif = pred[, -1, drop = FALSE],
       time = time, event = event, rhs = rhs, cause = cause)
}
# Cluster-robust: survival::finegray + coxph(ties = "breslow", cluster()).
fg_cluster <- function(d, time, event, rhs, cause, cluster) {
  d <- d[complete.cases(d[, c(time, event, cluster, all.vars(as.formula(paste("~", rhs))))]), ]
  d$.ev <- factor(d[[event]], levels = sort(unique(d[[event]])))
  d$.cl <- d[[cluster]]
  fg <- finegray(as.formula(paste("Surv(", time, ", .ev) ~ .")), data = d, etype = as.character(cause))
  f <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", rhs, "+ cluster(.cl)")),
             data = fg, weights = fgwt, ties = "breslow")
  list(terms = names(coef(f)), coef = unname(coef(f)), std_err = unname(sqrt(diag(f$var))),
       time = time, event = event, rhs = rhs, cause = cause, cluster = cluster)
}

fg_strata <- function(d, time, event, rhs, cause, strata, cluster) {
  d <- d[complete.cases(d[, c(time, event, strata, cluster, all.vars(as.formula(paste("~", rhs))))]), ]
  d$.ev <- factor(d[[event]], levels = sort(unique(d[[event]])))
  d$.cl <- d[[cluster]]
  d$.st <- d[[strata]]
  fg <- finegray(as.formula(paste("Surv(", time, ", .ev) ~ . + strata(.st)")), data = d,
                 etype = as.character(cause))
  f <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", rhs,
                              "+ strata(.st) + cluster(.cl)")),
             data = fg, weights = fgwt, ties = "breslow")
  list(terms = names(coef(f)), coef = unname(coef(f)), std_err = unname(sqrt(diag(f$var))),
       time = time, event = event, rhs = rhs, cause = cause, strata = strata, cluster = cluster)
}

fine_gray <- list(
  mgus2_1 = fg_crr(mgus2, "etime", "event", "age + sex + mspike", 1),
  mgus2_2 = fg_crr(mgus2, "etime", "event", "age + sex + hgb", 2),
  pbc_2 = fg_crr(pbc, "time", "status", "age + log(bili) + edema + albumin", 2),
  pbc_1 = fg_crr(pbc, "time", "status", "age + log(bili)", 1),
  rotterdam_1 = fg_crr(rott, "rfstime", "rfs_event", "age + meno + hormon + chemo + nodes", 1),
  sim_1 = fg_crr(sim, "time", "cause", "group + stratum", 1),
  sim_3 = fg_crr(sim, "time", "cause", "group + wfrac", 3)
)
fine_gray_cluster <- list(
  sim_1_centre = fg_cluster(sim, "time", "cause", "group + stratum", 1, "centre"),
  rotterdam_1_year = fg_cluster(rott, "rfstime", "rfs_event", "age + hormon + chemo + nodes", 1, "year"),
  mgus2_1_id = fg_cluster(mgus2, "etime", "event", "age + sex + mspike", 1, "id")
)
fine_gray_strata <- list(
  sim_1_stratum_centre = fg_strata(sim, "time", "cause", "group + wfrac", 1, "stratum", "centre"),
  mgus2_1_sex_id = fg_strata(mgus2, "etime", "event", "age + mspike", 1, "sex", "id")
)

versions <- list(R = R.version.string,
                 survival = as.character(packageVersion("survival")),
                 cmprsk = as.character(packageVersion("cmprsk")))
out <- list(versions = versions, aalen_johansen = aj, gray = gray, rmst = rmst,
            rmst_test = rmst_tests,
            fine_gray = fine_gray, fine_gray_cluster = fine_gray_cluster,
            fine_gray_strata = fine_gray_strata)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "columnmajor"),
           file.path("tests", "reference", "competing_reference.json"))
