# Reference values of the shared gamma frailty fitted with frailtyEM (Balan & Putter).
# Run from the repository root:  Rscript tests/reference/frailtyem_reference.R
# Writes tests/reference/frailtyem_reference.json (read by tests/test_frailty.py).
#
# frailtyEM is not packaged for Debian: install it from its public source
# repository into a private library, e.g. `R CMD INSTALL --library=/opt/rlib <source>`
# (it needs Rcpp, magrittr, msm, ggplot2, expint, tibble, Matrix, numDeriv), and
# point FRAILTYEM_LIB at that library (default /opt/rlib).
suppressMessages(library(survival))
suppressMessages(library(jsonlite))
suppressMessages(library(frailtyEM, lib.loc = Sys.getenv("FRAILTYEM_LIB", "/opt/rlib")))

# emfrail uses Breslow's ties; theta below is the frailty variance (fr_var).
em_values <- function(call_txt, model, terms) {
  s <- summary(model)
  coefs <- unname(model$coefficients)
  k <- length(coefs)
  list(
    call = call_txt,
    terms = terms,
    coef = coefs,
    se = unname(sqrt(diag(model$var))[seq_len(k)]),
    se_adj = unname(sqrt(diag(model$var_adj))[seq_len(k)]),
    theta = unname(s$fr_var["fr_var"]),
    theta_ci = unname(s$fr_var[c("ci_frvar_low", "ci_frvar_high")]),
    loglik_null = unname(s$loglik["L0"]),
    loglik = unname(s$loglik["L"]),
    lrt = unname(s$loglik["LRT"]),
    lrt_p = unname(s$loglik["pval"]),
    frail = unname(s$frail$z)
  )
}

rats <- survival::rats
kidney <- survival::kidney
out <- list(
  note = paste("frailtyEM (Balan & Putter) emfrail, gamma frailty, Breslow ties;",
               "theta is the frailty variance"),
  rats = em_values("emfrail(Surv(time, status) ~ rx + cluster(litter), rats)",
                   emfrail(Surv(time, status) ~ rx + cluster(litter), rats), "rx"),
  kidney = em_values("emfrail(Surv(time, status) ~ age + sex + cluster(id), kidney)",
                     emfrail(Surv(time, status) ~ age + sex + cluster(id), kidney),
                     c("age", "sex")),
  versions = list(R = R.version.string,
                  survival = as.character(packageVersion("survival")),
                  frailtyEM = as.character(packageVersion("frailtyEM")))
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
      file.path("tests", "reference", "frailtyem_reference.json"))
