# Reference values for timefix in coxph: times equal up to floating-point rounding are
# merged by R's aeqSurv, which coxph() applies by default (coxph.control(timefix = TRUE)).
# Run from the repository root:  Rscript tests/reference/cox_timefix_reference.R
# Writes tests/reference/cox_timefix_reference.json (full precision: jsonlite digits = NA).
#
# Cases, each fitted with timefix on and off: an age time scale where the exit age is
# computed the same way in both languages (lung: integer age + time / 12; pbc: age in
# whole days / 365.25 + time / 365.25), with and without delayed entry at the age at start, Efron and
# Breslow ties, a stratified fit; and a toy where 0.1 + 0.2 and 0.3 differ by one rounding.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

lung <- survival::lung
lung$status01 <- lung$status - 1
lung$exit_age <- lung$age + lung$time / 12
pbc <- survival::pbc
# Age in whole days (the CSV export keeps 15 digits of R's age, not every bit).
pbc$entry_age <- round(pbc$age * 365.25) / 365.25
pbc$exit_age <- pbc$entry_age + pbc$time / 365.25
toy <- data.frame(
  time = c(0.1 + 0.2, 0.3, 0.3, 0.7, 0.1 + 0.6, 1, 0.4, 0.2 + 0.2, 0.6, 0.9, 0.3, 1.1,
           0.1 + 0.2, 0.7, 0.5),
  status = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0),
  x = c(0.5, -1.2, 0.3, 1.1, -0.4, 0.8, -0.9, 0.2, 1.5, -0.1, 0.6, -1.4, 0.9, -0.7, 0.4)
)

cox_case <- function(formula, data, ties, timefix) {
  fit <- coxph(formula, data = data, ties = ties,
               control = coxph.control(timefix = timefix))
  list(formula = deparse(formula, width.cutoff = 500L), ties = ties, timefix = timefix,
       coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       loglik = unname(fit$loglik), n = fit$n, nevent = fit$nevent,
       n_unique_times = length(unique(fit$y[, ncol(fit$y) - 1L])))
}

cases <- list(
  lung_exit_age = list(Surv(exit_age, status01) ~ sex + ph.ecog, "lung", "efron"),
  lung_exit_age_breslow = list(Surv(exit_age, status01) ~ sex + ph.ecog, "lung", "breslow"),
  lung_age_scale_entry = list(Surv(age, exit_age, status01) ~ sex + ph.ecog, "lung", "efron"),
  pbc_exit_age = list(Surv(exit_age, status == 2) ~ log(bili) + albumin + edema, "pbc",
                      "efron"),
  pbc_age_scale_entry = list(Surv(entry_age, exit_age, status == 2) ~ log(bili) + albumin + edema,
                             "pbc", "efron"),
  pbc_exit_age_strata = list(Surv(exit_age, status == 2) ~ log(bili) + albumin + strata(sex),
                             "pbc", "breslow"),
  toy = list(Surv(time, status) ~ x, "toy", "efron"),
  toy_breslow = list(Surv(time, status) ~ x, "toy", "breslow")
)
sets <- list(lung = lung, pbc = pbc, toy = toy)
out <- list(cox = list())
for (nm in names(cases)) {
  cs <- cases[[nm]]
  out$cox[[nm]] <- list(
    on = cox_case(cs[[1]], sets[[cs[[2]]]], cs[[3]], TRUE),
    off = cox_case(cs[[1]], sets[[cs[[2]]]], cs[[3]], FALSE))
}
out$toy <- toy
out$versions <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                     jsonlite = as.character(packageVersion("jsonlite")))

write(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
      file.path("tests", "reference", "cox_timefix_reference.json"))
