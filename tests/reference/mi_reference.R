# Reference values for sarcosurv's pooling of multiply imputed Cox fits (Rubin's rules),
# computed with mice::pool and mice::D1.
# Run from the repository root:  Rscript tests/reference/mi_reference.R
# Writes tests/reference/mi_reference.json: the m completed datasets (so that Python
# fits the same data), the per-imputation estimates and covariance matrices of R's
# coxph, the pooled table of mice::pool (default dfcom and a given one) and the D1
# test of the three-level ecog term.
suppressMessages(library(survival))
suppressMessages(library(mice))
suppressMessages(library(jsonlite))

lung <- survival::lung
dat <- data.frame(
  time = lung$time,
  status = lung$status - 1,
  age = lung$age,
  sex = lung$sex,
  ecog = factor(pmin(lung$ph.ecog, 2)),
  wt_loss = lung$wt.loss,
  meal_cal = lung$meal.cal,
  pat_karno = lung$pat.karno
)
# White & Royston (2009): the event indicator and the Nelson-Aalen cumulative hazard
# enter the imputation models.
dat$H <- nelsonaalen(dat, time, status)
imp <- mice(dat, m = 5, seed = 20240601, printFlag = FALSE)

full <- with(imp, coxph(Surv(time, status) ~ age + sex + ecog + wt_loss + meal_cal + pat_karno))
reduced <- with(imp, coxph(Surv(time, status) ~ age + sex + wt_loss + meal_cal + pat_karno))

pooled_frame <- function(p) {
  s <- summary(p, conf.int = TRUE)
  d <- p$pooled
  list(term = as.character(d$term), estimate = d$estimate, ubar = d$ubar, b = d$b, t = d$t,
       dfcom = d$dfcom, df = d$df, riv = d$riv, lambda = d$lambda, fmi = d$fmi,
       std_error = s$std.error, statistic = s$statistic, p_value = s$p.value,
       lower = s[["2.5 %"]], upper = s[["97.5 %"]])
}

completed <- lapply(seq_len(imp$m), function(i) {
  d <- complete(imp, i)
  d$ecog <- as.integer(as.character(d$ecog))
  as.list(d[, c("time", "status", "age", "sex", "ecog", "wt_loss", "meal_cal", "pat_karno")])
})

fits <- lapply(full$analyses, function(f) {
  list(estimate = unname(coef(f)), vcov = unname(vcov(f)), nevent = f$nevent, n = f$n)
})

d1 <- D1(full, reduced)
d1_given <- D1(full, reduced, dfcom = 40)

out <- list(
  versions = list(R = R.version.string, mice = as.character(packageVersion("mice")),
                  survival = as.character(packageVersion("survival")),
                  mitml = as.character(packageVersion("mitml"))),
  formula = "Surv(time, status) ~ age + sex + C(ecog) + wt_loss + meal_cal + pat_karno",
  terms = names(coef(full$analyses[[1]])),
  m = imp$m,
  n_missing = as.list(colSums(is.na(dat))),
  dfcom_default = mice:::get.dfcom(full),
  nelsonaalen = dat$H,
  completed = completed,
  fits = fits,
  pooled = pooled_frame(pool(full)),
  pooled_dfcom40 = pooled_frame(pool(full, dfcom = 40)),
  d1 = list(terms = c("ecog1", "ecog2"), statistic = d1$result[1, 1], df1 = d1$result[1, 2],
            df2 = d1$result[1, 3], p_value = d1$result[1, 4], riv = d1$result[1, 5],
            dfcom = d1$dfcom),
  d1_dfcom40 = list(statistic = d1_given$result[1, 1], df1 = d1_given$result[1, 2],
                    df2 = d1_given$result[1, 3], p_value = d1_given$result[1, 4],
                    riv = d1_given$result[1, 5], dfcom = d1_given$dfcom)
)
write_json(out, "tests/reference/mi_reference.json", digits = NA, auto_unbox = TRUE, pretty = FALSE)
