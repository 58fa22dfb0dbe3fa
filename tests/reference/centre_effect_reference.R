# Reference values for sarcosurv.centre_effect_tests: the Commenges-Andersen
# score test of a random centre effect (frailtyEM::ca_test) and the
# likelihood-ratio test of fixed centre dummies (survival::coxph).
# Run from the repository root:  Rscript tests/reference/centre_effect_reference.R
# Writes tests/reference/centre_effect_reference.json.
#
# frailtyEM is not packaged for Debian: install it from its public source
# repository into a private library (see frailtyem_reference.R) and point
# FRAILTYEM_LIB at it (default /opt/rlib).
suppressMessages(library(survival))
suppressMessages(library(jsonlite))
suppressMessages(library(frailtyEM, lib.loc = Sys.getenv("FRAILTYEM_LIB", "/opt/rlib")))

# One case: the null Cox fit (no centre), ca_test on the centre column, and
# the Cox fit with centre dummies added.
one_case <- function(data, rhs, centre, strata = NULL, ties = "efron") {
  strata_term <- if (is.null(strata)) "" else sprintf(" + strata(%s)", strata)
  lhs <- "Surv(time, status) ~ "
  null_fo <- as.formula(paste0(lhs, rhs, strata_term))
  null_fit <- coxph(null_fo, data, ties = ties, x = TRUE, model = TRUE)
  ca <- ca_test(null_fit, id = data[[centre]])
  full_rhs <- if (rhs == "1") sprintf("factor(%s)", centre) else sprintf("%s + factor(%s)", rhs, centre)
  full_fit <- coxph(as.formula(paste0(lhs, full_rhs, strata_term)), data, ties = ties)
  df_fixed <- sum(!is.na(coef(full_fit))) - sum(!is.na(coef(null_fit)))
  # Centres without events: their dummies diverge and R stops short of the
  # supremum. The supremum is the fit without their rows (risk zero).
  with_events <- unique(data[[centre]][data$status == 1])
  reduced <- data[data[[centre]] %in% with_events, ]
  sup_fit <- coxph(as.formula(paste0(lhs, full_rhs, strata_term)), reduced, ties = ties)
  list(
    rhs = rhs, centre = centre, strata = if (is.null(strata)) NA else strata, ties = ties,
    score_statistic = unname(ca["tstat"]),
    score_variance = unname(ca["var"]),
    score_p_value = unname(ca["pval"]),
    loglik_null = null_fit$loglik[length(null_fit$loglik)],
    loglik_fixed = full_fit$loglik[2],
    fixed_statistic = 2 * (full_fit$loglik[2] - null_fit$loglik[length(null_fit$loglik)]),
    fixed_df = df_fixed,
    fixed_statistic_sup = 2 * (sup_fit$loglik[2] - null_fit$loglik[length(null_fit$loglik)]),
    centres_without_events = length(unique(data[[centre]])) - length(with_events)
  )
}

rats <- survival::rats
kidney <- survival::kidney
sim <- read.csv(file.path("tests", "data", "frailty_sim.csv"))
out <- list(
  rats = one_case(rats, "rx", "litter"),
  rats_breslow = one_case(rats, "rx", "litter", ties = "breslow"),
  rats_no_covariates = one_case(rats, "1", "litter"),
  rats_strata_sex = one_case(rats, "rx", "litter", strata = "sex"),
  kidney = one_case(kidney, "age + sex", "id"),
  kidney_strata_sex = one_case(kidney, "age", "id", strata = "sex"),
  simulated = one_case(sim, "x1 + x2", "centre"),
  simulated_strata_x2 = one_case(sim, "x1", "centre", strata = "x2"),
  versions = list(R = R.version.string,
                  survival = as.character(packageVersion("survival")),
                  frailtyEM = as.character(packageVersion("frailtyEM")))
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
      file.path("tests", "reference", "centre_effect_reference.json"))
