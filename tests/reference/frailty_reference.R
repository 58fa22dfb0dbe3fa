# Reference values for sarcosurv's shared gamma frailty, computed with R survival.
# Run from the repository root:  Rscript tests/reference/frailty_reference.R
# Writes tests/reference/frailty_reference.json and tests/data/frailty_sim.csv.
#
# 1. At a FIXED theta, coxph(... + frailty(g, theta = th)) is exact: its
#    coefficients and integrated ("I-") likelihood are the profile point.
# 2. R's default fit (method "em") on a simulated cohort stops at a theta whose
#    I-likelihood is lower than at other thetas: the grid below records R's own
#    I-likelihood values to show it.
# 3. Strata with the frailty at fixed theta (see below).
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

ilik <- function(f) f$history[[1]]$c.loglik

fixed <- function(formula_txt, data, group, thetas, ties) {
  lapply(thetas, function(th) {
    fo <- as.formula(sprintf("%s + frailty(%s, theta = %.17g)", formula_txt, group, th))
    f <- coxph(fo, data, ties = ties)
    list(theta = th, coef = unname(coef(f)), ilik = ilik(f),
         std_err = unname(sqrt(diag(as.matrix(f$var))))[seq_along(coef(f))])
  })
}
default_fit <- function(formula_txt, data, group, ties) {
  f <- coxph(as.formula(sprintf("%s + frailty(%s)", formula_txt, group)), data, ties = ties)
  list(theta = f$history[[1]]$theta, coef = unname(coef(f)), ilik = ilik(f))
}

kidney <- survival::kidney
rats <- survival::rats
out <- list()
for (ties in c("breslow", "efron")) {
  out[[paste0("rats_", ties)]] <- list(
    fixed = fixed("Surv(time, status) ~ rx", rats, "litter", c(0.5, 1.98013601842846, 3), ties),
    default = default_fit("Surv(time, status) ~ rx", rats, "litter", ties))
  out[[paste0("kidney_", ties)]] <- list(
    fixed = fixed("Surv(time, status) ~ age + sex", kidney, "id", c(0.2, 0.39726015528664, 0.8), ties),
    default = default_fit("Surv(time, status) ~ age + sex", kidney, "id", ties))
}

# A simulated registry: 2,000 patients in 40 centres, true theta 0.5.
set.seed(1)
n <- 2000; k <- 40
centre <- sample.int(k, n, replace = TRUE)
w <- rgamma(k, shape = 2, rate = 2)
x1 <- rnorm(n); x2 <- rbinom(n, 1, 0.4)
t <- rexp(n, 0.1 * w[centre] * exp(0.5 * x1 - 0.5 * x2))
cens <- runif(n, 0, 20)
sim <- data.frame(time = pmin(t, cens), status = as.integer(t <= cens), x1 = x1, x2 = x2,
                  centre = centre)
write.csv(sim, file.path("tests", "data", "frailty_sim.csv"), row.names = FALSE)
grid <- seq(0.3, 1.0, by = 0.05)
out$simulated <- list(
  default = default_fit("Surv(time, status) ~ x1 + x2", sim, "centre", "efron"),
  fixed = fixed("Surv(time, status) ~ x1 + x2", sim, "centre", grid, "efron"),
  fixed_breslow = fixed("Surv(time, status) ~ x1 + x2", sim, "centre", c(0.4, 0.6), "breslow"))

# 3. Strata: a baseline per stratum, the frailty shared across strata. At a
#    fixed theta R's fit is again exact. In the simulated cohort the strata (x2)
#    cut across centres; in rats each litter lies in one stratum (sex).
out$strata <- list()
for (ties in c("breslow", "efron")) {
  out$strata[[paste0("simulated_", ties)]] <- fixed("Surv(time, status) ~ x1 + strata(x2)", sim,
                                                   "centre", c(0.3, 0.6), ties)
  out$strata[[paste0("rats_", ties)]] <- fixed("Surv(time, status) ~ rx + strata(sex)", rats,
                                              "litter", c(0.5, 2), ties)
}
out$r_version <- paste(R.version$major, R.version$minor, sep = ".")
out$survival_version <- as.character(packageVersion("survival"))
write(toJSON(out, digits = NA, auto_unbox = TRUE), file.path("tests", "reference", "frailty_reference.json"))
