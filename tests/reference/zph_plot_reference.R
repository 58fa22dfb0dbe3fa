# Reference values for the proportional-hazards plot (R plot.cox.zph), computed with R survival.
# Run from the repository root:  Rscript tests/reference/zph_plot_reference.R
# Writes tests/reference/zph_plot_reference.json: per model the points of
# plot(cox.zph(fit)) (transformed time x, scaled Schoenfeld residuals y) and the
# smoother with its band, computed as plot.cox.zph does (natural spline with
# df = 4 on x, band +- 2 SE from the variance of the scaled residuals).
suppressMessages(library(survival))
suppressMessages(library(splines))
suppressMessages(library(jsonlite))

lung2 <- survival::lung
lung2$status <- lung2$status - 1

smooth <- function(z, df = 4, nsmo = 40) {
  xx <- z$x
  yy <- z$y
  pred.x <- seq(from = min(xx), to = max(xx), length = nsmo)
  lmat <- ns(c(pred.x, xx), df = df, intercept = TRUE)
  pmat <- lmat[1:nsmo, ]
  xmat <- lmat[-(1:nsmo), ]
  qmat <- qr(xmat)
  bk <- backsolve(qmat$qr[1:df, 1:df], diag(df))
  xtx <- bk %*% t(bk)
  seval <- ((pmat %*% xtx) * pmat) %*% rep(1, df)
  out <- list(pred_x = pred.x)
  for (i in seq_len(ncol(yy))) {
    yhat <- pmat %*% qr.coef(qmat, yy[, i])
    band <- 2 * sqrt(z$var[i, i] * seval)
    out[[colnames(yy)[i]]] <- list(fit = as.vector(yhat), lower = as.vector(yhat - band),
                                   upper = as.vector(yhat + band))
  }
  out
}

cases <- list(
  list(name = "lung_km", python = "Surv(time, status) ~ age + sex + ph.ecog",
       fit = coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2), transform = "km"),
  list(name = "lung_identity", python = "Surv(time, status) ~ age + sex",
       fit = coxph(Surv(time, status) ~ age + sex, lung2), transform = "identity")
)

results <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  cases = lapply(cases, function(case) {
    z <- cox.zph(case$fit, transform = case$transform, terms = FALSE)
    list(name = case$name, python = case$python, transform = case$transform,
         time = unname(z$time), x = unname(z$x), y = unname(z$y), terms = colnames(z$y),
         smooth = smooth(z))
  })
)
write(toJSON(results, digits = NA, auto_unbox = TRUE, null = "null", matrix = "columnmajor"),
      file.path("tests", "reference", "zph_plot_reference.json"))
