# Reference values for the shared gamma frailty with left truncation (delayed entry),
# computed with frailtyEM (Balan & Putter 2019), which conditions the frailty on
# survival to entry. Run from the repository root, with frailtyEM installed:
#   Rscript tests/reference/frailty_truncation_reference.R
# Writes tests/data/frailty_lt.csv, tests/data/frailty_lt2.csv and
# tests/reference/frailty_truncation_reference.json.
#
# frailtyEM's gamma parameter is the inverse of the frailty variance: theta = exp(-logtheta).
# Its EM is run to 1e-10 (default 1e-4) so that its estimates are stable.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))
suppressMessages(library(frailtyEM, lib.loc = c(Sys.getenv("FRAILTYEM_LIB", "/opt/rlib"),
                                               .libPaths())))

# 60 centres; candidates enter at 0 (30%) or uniformly in (0, 2); only those
# still alive at entry are observed (left truncation); censoring 0-6 after entry.
set.seed(20)
k <- 60
cand <- 14
centre <- rep(seq_len(k), each = cand)
w <- rgamma(k, shape = 1 / 0.8, rate = 1 / 0.8)
x <- rnorm(k * cand)
entry <- ifelse(runif(k * cand) < 0.3, 0, runif(k * cand, 0, 2))
t <- rexp(k * cand, 0.3 * w[centre] * exp(0.5 * x))
cens <- entry + runif(k * cand, 0, 6)
keep <- t > entry
lt <- data.frame(entry = entry, time = pmin(t, cens), status = as.integer(t <= cens), x = x,
                 centre = centre)[keep, ]
write.csv(lt, file.path("tests", "data", "frailty_lt.csv"), row.names = FALSE)

em <- list(eps = 1e-10, maxit = Inf, fast_fit = TRUE, verbose = FALSE, upper_tol = exp(10),
           lik_tol = 1)
ctrl <- emfrail_control(em_control = em)
summarise <- function(f) {
  list(theta = exp(-f$logtheta), coef = unname(f$coefficients),
       theta_ci = rev(exp(-f$ci_logtheta)), loglik_null = f$loglik[1], loglik = f$loglik[2],
       se = unname(sqrt(diag(f$var))[seq_along(f$coefficients)]),
       se_adj = unname(sqrt(diag(f$var_adj))[seq_along(f$coefficients)]),
       tev = unname(f$tev), hazard = unname(f$hazard), frail = unname(f$frail))
}
fo <- Surv(entry, time, status) ~ x + cluster(centre)
out <- list(
  note = paste("frailtyEM emfrail, gamma frailty, Breslow ties; theta is the frailty variance;",
               "tev/hazard: baseline jumps at the event times"),
  truncated = summarise(emfrail(fo, lt, distribution = emfrail_dist(left_truncation = TRUE),
                                control = ctrl)),
  not_conditioned = summarise(emfrail(fo, lt, control = ctrl)))
# At fixed theta (opt_fit = FALSE) frailtyEM returns minus its log-likelihood.
fixed_ctrl <- emfrail_control(opt_fit = FALSE, em_control = em)
out$fixed <- lapply(c(0.4, 0.8, 1.5), function(th) {
  nll <- emfrail(fo, lt, distribution = emfrail_dist(theta = 1 / th, left_truncation = TRUE),
                 control = fixed_ctrl)
  list(theta = th, loglik = -nll)
})
# A second truncated data set: 120 centres of 8 with two covariates, 20% entering at 0, the
# others uniformly in (0, 3); written to tests/data/frailty_lt2.csv.
set.seed(11)
k2 <- 120
centre2 <- rep(seq_len(k2), each = 8)
w2 <- rgamma(k2, shape = 1 / 0.5, rate = 1 / 0.5)
x1 <- rnorm(k2 * 8)
x2 <- rbinom(k2 * 8, 1, 0.4)
entry2 <- ifelse(runif(k2 * 8) < 0.2, 0, runif(k2 * 8, 0, 3))
t2 <- rexp(k2 * 8, 0.2 * w2[centre2] * exp(0.4 * x1 - 0.6 * x2))
cens2 <- entry2 + runif(k2 * 8, 0, 8)
keep2 <- t2 > entry2
lt2 <- data.frame(entry = entry2, time = pmin(t2, cens2), status = as.integer(t2 <= cens2),
                  x1 = x1, x2 = x2, centre = centre2)[keep2, ]
write.csv(lt2, file.path("tests", "data", "frailty_lt2.csv"), row.names = FALSE)
fo2 <- Surv(entry, time, status) ~ x1 + x2 + cluster(centre)
out$second <- summarise(emfrail(fo2, lt2, distribution = emfrail_dist(left_truncation = TRUE),
                                control = ctrl))
out$second$fixed <- lapply(c(0.3, 0.6), function(th) {
  nll <- emfrail(fo2, lt2, distribution = emfrail_dist(theta = 1 / th, left_truncation = TRUE),
                 control = fixed_ctrl)
  list(theta = th, loglik = -nll)
})
out$versions <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                     frailtyEM = as.character(packageVersion("frailtyEM")),
                     jsonlite = as.character(packageVersion("jsonlite")))
write(toJSON(out, digits = NA, auto_unbox = TRUE),
      file.path("tests", "reference", "frailty_truncation_reference.json"))
