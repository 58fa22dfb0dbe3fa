# Reference values for sarcosurv's Fine-Gray model with case weights, from R.
# Run from the repository root:  Rscript tests/reference/finegray_weights_reference.R
# Writes tests/reference/finegray_weights_reference.json (jsonlite digits = NA).
#
# sarcosurv treats case weights as frequency weights (a weight of 2 is a
# duplicated row, in the censoring distribution G as in the likelihood), so the
# reference fits R's estimators to the data with each row repeated `w` times
# (integer weights):
# * cmprsk::crr on the expanded rows: coefficients, Fine & Gray sandwich SE, loglik;
# * survival::finegray + coxph(weights = fgwt, ties = "breslow", cluster(row id))
#   on the expanded rows: coefficients, model-based SE and the SE robust by
#   original row (= cluster-robust by a cluster column with the weights).
# Data: tests/data/compete_sim.csv, mgus2_cr.csv, rotterdam_cr.csv (written by
# competing_reference.R).
suppressMessages(library(survival))
suppressMessages(library(cmprsk))
suppressMessages(library(jsonlite))

sim <- read.csv(file.path("tests", "data", "compete_sim.csv"))
mgus2 <- read.csv(file.path("tests", "data", "mgus2_cr.csv"))
mgus2$w <- 1 + (mgus2$id %% 3)
rott <- read.csv(file.path("tests", "data", "rotterdam_cr.csv"))
rott$w <- 1 + (rott$pid %% 4 == 0) * 2

expand <- function(d, w) {
  d$.row <- seq_len(nrow(d))
  d[rep(seq_len(nrow(d)), d[[w]]), ]
}

fg_case <- function(d, time, event, rhs, cause, w) {
  d <- d[complete.cases(d[, c(time, event, w, all.vars(as.formula(paste("~", rhs))))]), ]
  e <- expand(d, w)
  X <- model.matrix(as.formula(paste("~", rhs)), e)[, -1, drop = FALSE]
  crr_fit <- crr(e[[time]], e[[event]], X, failcode = cause, gtol = 1e-10, maxiter = 200)
  e$.ev <- factor(e[[event]], levels = sort(unique(e[[event]])))
  fg <- finegray(as.formula(paste("Surv(", time, ", .ev) ~ .")), data = e,
                 etype = as.character(cause))
  cox <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", rhs, "+ cluster(.row)")),
               data = fg, weights = fgwt, ties = "breslow")
  list(terms = names(crr_fit$coef), coef = unname(crr_fit$coef),
       std_err = unname(sqrt(diag(crr_fit$var))),
       loglik = crr_fit$loglik, loglik_null = crr_fit$loglik.null,
       survival_coef = unname(coef(cox)),
       survival_naive_std_err = unname(sqrt(diag(cox$naive.var))),
       survival_robust_std_err = unname(sqrt(diag(cox$var))),
       survival_loglik = unname(cox$loglik),
       time = time, event = event, rhs = rhs, cause = cause, weights = w,
       n_rows = nrow(d), n_expanded = nrow(e))
}

cases <- list(
  sim_1 = fg_case(sim, "time", "cause", "group + stratum", 1, "wint"),
  sim_2 = fg_case(sim, "time", "cause", "group + stratum", 2, "wint"),
  mgus2_1 = fg_case(mgus2, "etime", "event", "age + sex + mspike", 1, "w"),
  rotterdam_1 = fg_case(rott, "rfstime", "rfs_event", "age + meno + hormon + chemo + nodes", 1, "w")
)

# Predicted cumulative incidence with its CI for new rows: survfit() of the
# coxph fit on finegray() data (cluster by row: the variance uses the robust
# vcov, as sarcosurv's finegray(..., cluster=, weighting="survival")).
pred_case <- function(d, time, event, rhs, cause, times) {
  d <- d[complete.cases(d[, c(time, event, all.vars(as.formula(paste("~", rhs))))]), ]
  d$.row <- seq_len(nrow(d))
  d$.ev <- factor(d[[event]], levels = sort(unique(d[[event]])))
  fg <- finegray(as.formula(paste("Surv(", time, ", .ev) ~ .")), data = d,
                 etype = as.character(cause))
  cox <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", rhs, "+ cluster(.row)")),
               data = fg, weights = fgwt, ties = "breslow")
  s <- summary(survfit(cox, newdata = d[1:2, ]), times = times)
  list(coef = unname(coef(cox)), times = times,
       cif = 1 - s$surv, std_err = s$std.err, lower = 1 - s$upper, upper = 1 - s$lower,
       time = time, event = event, rhs = rhs, cause = cause)
}
predictions <- list(
  sim_1 = pred_case(sim, "time", "cause", "group + stratum", 1, c(3, 8, 15)),
  mgus2_1 = pred_case(mgus2, "etime", "event", "age + sex + mspike", 1, c(60, 120, 240))
)

versions <- list(R = R.version.string,
                 survival = as.character(packageVersion("survival")),
                 cmprsk = as.character(packageVersion("cmprsk")))
writeLines(toJSON(list(versions = versions, fine_gray_weights = cases,
                       predictions = predictions),
                  digits = NA, auto_unbox = TRUE, matrix = "columnmajor"),
           file.path("tests", "reference", "finegray_weights_reference.json"))
