# Export the public datasets of R survival used by the tests to tests/data/*.csv,
# so that the test suite runs without R. Run from the repository root:
#   Rscript tests/reference/export_datasets.R
suppressMessages(library(survival))
out <- file.path("tests", "data")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
sets <- list(lung = survival::lung, veteran = survival::veteran, ovarian = survival::ovarian,
             aml = survival::aml, heart = survival::heart, jasa1 = survival::jasa1,
             bladder = survival::bladder, bladder1 = survival::bladder1,
             rats = survival::rats, kidney = survival::kidney, colon = survival::colon,
             pbc = survival::pbc, cgd = survival::cgd)
for (nm in names(sets)) {
  d <- sets[[nm]]
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])
  write.csv(d, file.path(out, paste0(nm, ".csv")), row.names = FALSE, na = "")
}
