# Reference values for sarcosurv.report.hr_table on R's lung data: hazard ratios
# with Wald 95% CIs and p per level, patients and deaths per level among the
# complete cases, and the joint Wald test of each categorical variable.
# Run from the repository root:  Rscript tests/reference/hr_table_reference.R
# Writes tests/reference/hr_table_reference.json.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

d <- lung
d$sex_f <- relevel(factor(ifelse(d$sex == 1, "Male", "Female")), "Male")
d$ecog <- factor(d$ph.ecog)
fit <- coxph(Surv(time, status == 2) ~ age + sex_f + ecog, d, ties = "efron")
used <- d[complete.cases(d[, c("time", "status", "age", "sex_f", "ecog")]), ]
s <- summary(fit)

counts <- function(column) {
  levels <- levels(droplevels(used[[column]]))
  list(
    level = levels,
    n = as.integer(table(droplevels(used[[column]]))[levels]),
    events = as.integer(tapply(used$status == 2, droplevels(used[[column]]), sum)[levels])
  )
}
joint_wald <- function(prefix) {
  idx <- grep(paste0("^", prefix), names(coef(fit)))
  b <- coef(fit)[idx]
  v <- vcov(fit)[idx, idx]
  stat <- as.numeric(t(b) %*% solve(v) %*% b)
  list(statistic = stat, df = length(idx), p_value = pchisq(stat, length(idx), lower.tail = FALSE))
}

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  n = fit$n,
  n_event = fit$nevent,
  terms = names(coef(fit)),
  hazard_ratio = unname(s$conf.int[, 1]),
  lower = unname(s$conf.int[, 3]),
  upper = unname(s$conf.int[, 4]),
  p_value = unname(s$coefficients[, 5]),
  sex = counts("sex_f"),
  ecog = counts("ecog"),
  ecog_wald = joint_wald("ecog")
)
write_json(out, "tests/reference/hr_table_reference.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
