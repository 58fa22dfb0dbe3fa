# Reference values for sarcosurv's Cox model, computed with R survival.
# Run from the repository root:  Rscript tests/reference/cox_reference.R
# Writes tests/reference/cox_reference.json. The Python formula and R call of
# each case are stored side by side so the test can run the same model.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

lung2 <- survival::lung
lung2$status <- lung2$status - 1
lung2$w <- rep(c(1, 2, 3), length.out = nrow(lung2))
# Non-integer case weights: R's default variance is then the robust (sandwich) one.
lung2$fw <- rep(c(0.5, 1.25, 2.75), length.out = nrow(lung2))
veteran <- survival::veteran
heart <- survival::heart
bladder <- survival::bladder
ovarian <- survival::ovarian

cases <- list(
  list(name = "lung_efron", data = "lung", python = "Surv(time, status) ~ age + sex + ph.ecog",
       fit = function(ties) coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "lung_strata", data = "lung", python = "Surv(time, status) ~ age + ph.ecog",
       strata = "sex",
       fit = function(ties) coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), lung2, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "lung_weights", data = "lung", python = "Surv(time, status) ~ age + sex",
       weights = "w",
       fit = function(ties) coxph(Surv(time, status) ~ age + sex, lung2, weights = w, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "lung_fractional_weights", data = "lung", python = "Surv(time, status) ~ age + sex",
       weights = "fw",
       fit = function(ties) coxph(Surv(time, status) ~ age + sex, lung2, weights = fw, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "veteran", data = "veteran",
       python = "Surv(time, status) ~ trt + karno + diagtime + age + prior + C(celltype, contr.treatment('squamous'))",
       fit = function(ties) coxph(Surv(time, status) ~ trt + karno + diagtime + age + prior + celltype,
                                  veteran, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "ovarian", data = "ovarian", python = "Surv(futime, fustat) ~ age + ecog.ps + rx",
       fit = function(ties) coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "heart", data = "heart",
       python = "Surv(start, stop, event) ~ age + year + surgery + transplant",
       fit = function(ties) coxph(Surv(start, stop, event) ~ age + year + surgery + transplant,
                                  heart, ties = ties),
       ties = c("efron", "breslow")),
  list(name = "bladder_cluster", data = "bladder", python = "Surv(stop, event) ~ rx + size + number",
       cluster = "id",
       fit = function(ties) coxph(Surv(stop, event) ~ rx + size + number + cluster(id), bladder,
                                  ties = ties),
       ties = c("efron", "breslow"))
)

one_fit <- function(case, ties) {
  f <- case$fit(ties)
  robust <- !is.null(f$naive.var)
  naive <- if (robust) f$naive.var else f$var
  out <- list(
    name = case$name, data = case$data, python = case$python, ties = ties,
    r_version = paste(R.version$major, R.version$minor, sep = "."),
    survival_version = as.character(packageVersion("survival")),
    strata = if (is.null(case$strata)) NULL else case$strata,
    weights = if (is.null(case$weights)) NULL else case$weights,
    cluster = if (is.null(case$cluster)) NULL else case$cluster,
    terms = names(coef(f)), coef = unname(coef(f)),
    std_err_naive = sqrt(diag(naive)), vcov = f$var,
    std_err_robust = if (robust) sqrt(diag(f$var)) else NULL,
    loglik = f$loglik, n = f$n, n_event = f$nevent,
    wald = unname(f$wald.test), score = unname(f$score),
    robust_score = if (robust) unname(f$rscore) else NULL,
    concordance = unname(f$concordance[["concordance"]]),
    martingale = unname(residuals(f, "martingale")),
    deviance = unname(residuals(f, "deviance")),
    score_resid = unname(residuals(f, "score")),
    dfbeta = unname(residuals(f, "dfbeta")),
    schoenfeld = unname(residuals(f, "schoenfeld")),
    scaled_schoenfeld = unname(residuals(f, "scaledsch")),
    schoenfeld_time = as.numeric(rownames(as.matrix(residuals(f, "schoenfeld"))))
  )
  bh <- basehaz(f, centered = FALSE)
  out$basehaz_time <- bh$time
  out$basehaz_hazard <- bh$hazard
  if (!is.null(bh$strata)) out$basehaz_strata <- as.character(bh$strata)
  zph <- list()
  for (tr in c("km", "rank", "identity")) {
    z <- cox.zph(f, transform = tr)
    zph[[tr]] <- list(rows = rownames(z$table), chisq = unname(z$table[, "chisq"]),
                      df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
  }
  out$zph <- zph
  if (is.null(case$strata)) {
    nd <- as.data.frame(lapply(model.frame(f)[1:2, -1, drop = FALSE], identity))
    sf <- survfit(f, newdata = eval(f$call$data)[c(1, 5), ])
    out$predict_rows <- c(0, 4)
    out$predict_times <- c(30, 180, 365)
    out$predict_survival <- summary(sf, times = c(30, 180, 365), extend = TRUE)$surv
  }
  out
}

results <- list()
for (case in cases) for (ties in case$ties) {
  results[[length(results) + 1]] <- one_fit(case, ties)
}
write(toJSON(results, digits = NA, auto_unbox = TRUE, null = "null", matrix = "rowmajor"),
      file.path("tests", "reference", "cox_reference.json"))
