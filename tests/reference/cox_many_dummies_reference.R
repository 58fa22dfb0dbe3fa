# Reference values for Cox fits with many centre dummies (some centres without
# events, so their coefficients diverge), from R.
# Run from the repository root:  Rscript tests/reference/cox_many_dummies_reference.R
# Also frailtyEM::ca_test (private library FRAILTYEM_LIB, default /opt/rlib).
# Data: tests/data/heilig_synthetic_pfs_centres.csv (the synthetic Heilig cohort's
# PFS rows, sarcosurv.registry.synthetic_heilig2020(seed=2020)).
# Writes tests/reference/cox_many_dummies_reference.json (jsonlite digits = NA).
suppressMessages(library(survival))
suppressMessages(library(jsonlite))
suppressMessages(library(frailtyEM, lib.loc = Sys.getenv("FRAILTYEM_LIB", "/opt/rlib")))

d <- read.csv(file.path("tests", "data", "heilig_synthetic_pfs_centres.csv"), na.strings = "")
d$histology_group <- relevel(factor(d$histology_group), "Leiomyosarcoma")
d$remission_group <- relevel(factor(d$remission_group), "CR/NED")
d$regimen_group <- relevel(factor(d$regimen_group), "Platinum based")
d$centre_id <- factor(d$centre_id)
d <- droplevels(d[complete.cases(d), ])
events <- tapply(d$pfs_event, d$centre_id, sum)

fit_case <- function(ties, iter) {
  f <- suppressWarnings(coxph(Surv(pfs_time, pfs_event) ~ age10 + histology_group +
                                remission_group + regimen_group + centre_id,
                              data = d, ties = ties, iter.max = iter))
  null <- coxph(Surv(pfs_time, pfs_event) ~ age10 + histology_group + remission_group +
                  regimen_group, data = d, ties = ties)
  cf <- coef(f)
  keep <- !grepl("^centre_id", names(cf))
  list(ties = ties, iter_max = iter, loglik = unname(f$loglik), iter = f$iter,
       loglik_without_centre = null$loglik[2],
       lrt = 2 * (f$loglik[2] - null$loglik[2]),
       terms = names(cf)[keep], coef = unname(cf[keep]),
       std_err = unname(sqrt(diag(f$var)))[keep])
}

# Commenges-Andersen score test of the centre (frailtyEM::ca_test) on the same data
# without its 4 rows of PFS time 0: ca_test builds risk sets on (0, t], which leaves
# rows ending at time 0 out of the risk set at 0, where coxph (and sarcosurv) count them.
ca_case <- function(ties) {
  p <- droplevels(d[d$pfs_time > 0, ])
  null <- coxph(Surv(pfs_time, pfs_event) ~ age10 + histology_group + remission_group +
                  regimen_group, data = p, ties = ties, x = TRUE, model = TRUE)
  ca <- ca_test(null, id = p$centre_id)
  list(statistic = unname(ca["tstat"]), variance = unname(ca["var"]),
       p_value = unname(ca["pval"]))
}

out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  frailtyEM = as.character(packageVersion("frailtyEM"))),
  score = list(efron = ca_case("efron"), breslow = ca_case("breslow")),
  n = nrow(d), n_centres = nlevels(d$centre_id),
  centres_without_events = names(events)[events == 0],
  fits = list(efron = fit_case("efron", 100), breslow = fit_case("breslow", 100))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE),
           file.path("tests", "reference", "cox_many_dummies_reference.json"))
