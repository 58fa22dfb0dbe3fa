# Reference values for R-style formulas and Cox predictions, computed with R survival.
# Run from the repository root:  Rscript tests/reference/formula_reference.R
# Writes tests/reference/formula_reference.json. The data are read from tests/data/*.csv
# exactly as the Python tests read them (text columns stay text: coxph makes them factors
# with levels sorted in the C locale, as Python sorts them).
suppressMessages(library(survival))
suppressMessages(library(jsonlite))
invisible(Sys.setlocale("LC_COLLATE", "C"))

read <- function(name) read.csv(file.path("tests", "data", paste0(name, ".csv")),
                                stringsAsFactors = FALSE, check.names = FALSE)

cases <- list(
  list(name = "pbc_cause", data = "pbc",
       python = "Surv(time, status == 2) ~ age + sex + np.log(bili) + edema",
       r = "Surv(time, status == 2) ~ age + sex + log(bili) + edema",
       vars = c("time", "status", "age", "sex", "bili", "edema"),
       rows = c(1, 15, 40), times = c(0.5, 400, 1500, 3000, 5000)),
  list(name = "lung_strata", data = "lung",
       python = "Surv(time, status == 2) ~ age + sex + `ph.ecog` + strata(inst)",
       r = "Surv(time, status == 2) ~ age + sex + `ph.ecog` + strata(inst)",
       vars = c("time", "status", "age", "sex", "ph.ecog", "inst"),
       rows = c(1, 7, 30), times = c(5, 100, 365, 700)),
  list(name = "colon_cluster", data = "colon",
       python = "Surv(time, status) ~ rx + age + nodes + strata(etype) + cluster(id)",
       r = "Surv(time, status) ~ rx + age + nodes + strata(etype) + cluster(id)",
       vars = c("time", "status", "rx", "age", "nodes", "etype", "id"),
       rows = c(1, 2, 100), times = c(30, 1000, 2500)),
  list(name = "heart_counting", data = "heart",
       python = "Surv(start, stop, event) ~ age + year + surgery + transplant",
       r = "Surv(start, stop, event) ~ age + year + surgery + transplant",
       vars = c("start", "stop", "event", "age", "year", "surgery", "transplant"),
       rows = c(1, 50, 120), times = c(10, 100, 1000)),
  list(name = "lung_weights", data = "lung", weights = TRUE,
       python = "Surv(time, status == 2) ~ age + sex + `ph.ecog`",
       r = "Surv(time, status == 2) ~ age + sex + `ph.ecog`",
       vars = c("time", "status", "age", "sex", "ph.ecog"),
       rows = c(2, 40, 90), times = c(60, 200, 500)),
  list(name = "veteran_text", data = "veteran",
       python = "Surv(time, status) ~ trt + karno + celltype",
       r = "Surv(time, status) ~ trt + karno + celltype",
       vars = c("time", "status", "trt", "karno", "celltype"),
       rows = c(1, 30, 80, 120), times = c(1, 10, 100, 500))
)

one_prediction <- function(f, nd, times) {
  sf <- survfit(f, newdata = nd, conf.type = "log")
  s <- summary(sf, times = times, extend = TRUE)
  list(survival = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper,
       cumulative_hazard = s$cumhaz)
}

one_case <- function(case, ties) {
  d <- read(case$data)
  # Case weights 1, 2, 3, 1, 2, 3, ... (the Python test adds the same column).
  d$w <- rep(c(1, 2, 3), length.out = nrow(d))
  f <- if (isTRUE(case$weights)) coxph(as.formula(case$r), data = d, ties = ties, weights = w)
       else coxph(as.formula(case$r), data = d, ties = ties)
  complete <- which(complete.cases(d[, case$vars]))
  rows <- complete[case$rows]
  preds <- lapply(rows, function(i) one_prediction(f, d[i, , drop = FALSE], case$times))
  list(
    name = case$name, data = case$data, python = case$python, r = case$r, ties = ties,
    weights = if (isTRUE(case$weights)) "w" else NULL,
    terms = names(coef(f)), coef = unname(coef(f)), std_err = unname(sqrt(diag(f$var))),
    loglik = f$loglik, n = f$n, n_event = f$nevent,
    newdata_rows = rows - 1, times = case$times,
    survival = lapply(preds, `[[`, "survival"), std_err_survival = lapply(preds, `[[`, "std_err"),
    lower = lapply(preds, `[[`, "lower"), upper = lapply(preds, `[[`, "upper"),
    lp = unname(predict(f, newdata = d[rows, , drop = FALSE], type = "lp")),
    risk = unname(predict(f, newdata = d[rows, , drop = FALSE], type = "risk")),
    lp_sample = unname(predict(f, newdata = d[rows, , drop = FALSE], type = "lp",
                               reference = "sample"))
  )
}

out <- list(
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cases = unlist(lapply(cases, function(case) lapply(c("efron", "breslow"),
                                                      function(t) one_case(case, t))),
                 recursive = FALSE)
)
write_json(out, file.path("tests", "reference", "formula_reference.json"), digits = NA,
           auto_unbox = TRUE, pretty = FALSE)
