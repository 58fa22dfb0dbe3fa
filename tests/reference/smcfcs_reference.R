# Reference values for sarcosurv's imputation compatible with a Cox model
# (impute(..., substantive=), mi_coxph(compatible=True)), computed with R smcfcs
# (Bartlett et al. 2015) and pooled by Rubin's rules with mice::pool.
# Run from the repository root:  Rscript tests/reference/smcfcs_reference.R
# Writes tests/reference/smcfcs_reference.json: per case the simulated data (so that
# Python imputes the same rows), the full-data coxph estimates before deletion, and
# the pooled estimates, standard errors and between-imputation variances of M
# smcfcs imputations. Imputation is random: Python is compared within Monte Carlo
# error, not digit by digit.
suppressMessages(library(survival))
suppressMessages(library(smcfcs))
suppressMessages(library(mice))
suppressMessages(library(jsonlite))

M <- 100
NUMIT <- 30  # sweeps per chain: 10 (the default) leaves x1 of case 2 short by about 0.01

pooled <- function(fits) {
  est <- sapply(fits, coef)
  est <- if (is.null(dim(est))) matrix(est, nrow = 1) else est
  within <- rowMeans(sapply(fits, function(f) diag(vcov(f))))
  between <- apply(est, 1, var)
  total <- within + (1 + 1 / length(fits)) * between
  list(term = rownames(est), estimate = unname(rowMeans(est)), within = unname(within),
       between = unname(between), std_error = unname(sqrt(total)))
}

run_case <- function(name, dat, smformula, method, full_formula, full) {
  set.seed(20261201)
  imps <- smcfcs(dat, smtype = "coxph", smformula = smformula, method = method,
                 m = M, numit = NUMIT, rjlimit = 5000, noisy = FALSE)
  fits <- lapply(imps$impDatasets, function(d) coxph(as.formula(full_formula), data = d))
  list(name = name, formula = full_formula, m = M, numit = NUMIT,
       data = as.list(dat), full = unname(coef(coxph(as.formula(full_formula), data = full))),
       smcfcs = pooled(fits))
}

# 1. The design of benchmarks/mi_simulation.py, outcome-MAR scenario (n = 500).
set.seed(1)
n <- 500
x1 <- rnorm(n); x3 <- 0.5 * x1 + sqrt(0.75) * rnorm(n); x2 <- rbinom(n, 1, 0.5)
surv <- rexp(n, 0.1 * exp(0.5 * x1 - 0.5 * x2 + 0.3 * x3)); cens <- runif(n, 0, 20)
time <- pmin(surv, cens); event <- as.numeric(surv <= cens)
full1 <- data.frame(time, event, x1, x2 = factor(x2), x3)
lt <- log(time) - mean(log(time))
dat1 <- full1
dat1$x1[runif(n) < plogis(-0.9 + 0.8 * x3 + 1.2 * event - 0.6 * lt)] <- NA
dat1$x2[runif(n) < plogis(-1.3 - 0.6 * x3 + 1.2 * event + 0.6 * lt)] <- NA
case1 <- run_case("outcome_mar", dat1, "Surv(time, event) ~ x1 + x2 + x3",
                  c("", "", "norm", "logreg", ""), "Surv(time, event) ~ x1 + x2 + x3", full1)

# 2. A large hazard ratio (beta1 = 1) with x1 missing strongly by the outcome (n = 1000).
set.seed(2)
n <- 1000
x1 <- rnorm(n); x2 <- 0.5 * x1 + sqrt(0.75) * rnorm(n)
surv <- rexp(n, 0.1 * exp(x1 + 0.5 * x2)); cens <- runif(n, 0, 15)
time <- pmin(surv, cens); event <- as.numeric(surv <= cens)
full2 <- data.frame(time, event, x1, x2)
dat2 <- full2
dat2$x1[runif(n) < plogis(-1 + 2 * event - 0.5 * log(time))] <- NA
case2 <- run_case("strong_outcome_dependence", dat2, "Surv(time, event) ~ x1 + x2",
                  c("", "", "norm", ""), "Surv(time, event) ~ x1 + x2", full2)

case1$data$x2 <- as.integer(as.character(case1$data$x2))
out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  smcfcs = as.character(packageVersion("smcfcs")),
                  mice = as.character(packageVersion("mice"))),
  cases = list(case1, case2)
)
write_json(out, "tests/reference/smcfcs_reference.json", digits = NA, auto_unbox = TRUE,
           na = "null", pretty = FALSE)
