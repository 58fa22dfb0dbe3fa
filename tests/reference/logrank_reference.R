# Reference values for sarcosurv's log-rank family, computed in R.
# Run from the repository root:  Rscript tests/reference/logrank_reference.R
# Writes tests/reference/logrank_reference.json (full precision: jsonlite digits = NA).
#
# survdiff() covers only the G-rho family (rho = 0: log-rank, rho = 1: Peto-Peto).
# For the other weightings this script computes the weighted test directly, from the
# counts of survfit(): at each distinct event time t of a stratum, with n_j(t) at risk
# and d_j(t) events in group j, N = sum n_j, D = sum d_j and weight w(t),
#   U_j  = sum_t w(t) * (d_j - n_j D / N)
#   V_jl = sum_t w(t)^2 * D (N - D) / (N - 1) * (n_j / N) * (delta_jl - n_l / N),
# summed over strata; the statistic is U' V^- U with a generalised inverse, df = rank(V).
# Weights: logrank 1; wilcoxon (Gehan-Breslow) N; tarone-ware sqrt(N); peto S(t-), the
# left-continuous Kaplan-Meier of the pooled stratum (as survdiff rho = 1); Fleming-Harrington
# (rho, gamma) S(t-)^rho (1 - S(t-))^gamma. The trend test uses scores c (1..k by default):
#   (c'U)^2 / (c'Vc), df = 1.
# The direct computation is checked against survdiff for rho = 0 and rho = 1 below.
suppressMessages(library(survival))
suppressMessages(library(jsonlite))

lung <- survival::lung
lung$status01 <- lung$status - 1
lung$months <- round(lung$time / 30.4375)
veteran <- survival::veteran
ovarian <- survival::ovarian
aml <- survival::aml

weighted_test <- function(time, status, group, strata, wname, rho = 0, gamma = 0) {
  lev <- sort(unique(group))
  k <- length(lev)
  U <- numeric(k)
  V <- matrix(0, k, k)
  O <- numeric(k)
  E <- numeric(k)
  for (s in sort(unique(strata))) {
    sel <- strata == s
    pooled <- survfit(Surv(time[sel], status[sel]) ~ 1)
    keep <- pooled$n.event > 0
    tt <- pooled$time[keep]
    N <- pooled$n.risk[keep]
    D <- pooled$n.event[keep]
    s_left <- c(1, pooled$surv)[which(keep)]  # S(t-): value just before each event time
    w <- switch(wname,
      logrank = rep(1, length(tt)),
      wilcoxon = N,
      "tarone-ware" = sqrt(N),
      peto = s_left,
      fh = s_left^rho * (1 - s_left)^gamma)
    nj <- matrix(0, length(tt), k)
    dj <- matrix(0, length(tt), k)
    for (j in seq_len(k)) {
      gj <- sel & group == lev[j]
      for (i in seq_along(tt)) {
        nj[i, j] <- sum(time[gj] >= tt[i])
        dj[i, j] <- sum(time[gj] == tt[i] & status[gj] == 1)
      }
    }
    e <- nj * D / N
    O <- O + colSums(w * dj)
    E <- E + colSums(w * e)
    U <- U + colSums(w * (dj - e))
    vfac <- ifelse(N > 1, w^2 * D * (N - D) / (N - 1), 0)
    for (a in seq_len(k)) for (b in seq_len(k)) {
      V[a, b] <- V[a, b] + sum(vfac * (nj[, a] / N) * ((a == b) - nj[, b] / N))
    }
  }
  ev <- eigen(V, symmetric = TRUE)
  tol <- max(dim(V)) * max(abs(ev$values)) * .Machine$double.eps * 1e3
  pos <- ev$values > tol
  ginv <- ev$vectors[, pos, drop = FALSE] %*% diag(1 / ev$values[pos], sum(pos)) %*%
    t(ev$vectors[, pos, drop = FALSE])
  stat <- drop(t(U) %*% ginv %*% U)
  list(groups = as.character(lev), observed = O, expected = E, u = U, variance = V,
       statistic = stat, df = sum(pos), p_value = pchisq(stat, sum(pos), lower.tail = FALSE))
}

trend_test <- function(res, scores) {
  stat <- sum(scores * res$u)^2 / drop(t(scores) %*% res$variance %*% scores)
  list(statistic = stat, df = 1, p_value = pchisq(stat, 1, lower.tail = FALSE),
       scores = scores)
}

cases <- list(
  lung_sex = list(d = lung, t = "time", s = "status01", g = "sex", st = NULL),
  lung_ecog = list(d = lung[!is.na(lung$ph.ecog), ], t = "time", s = "status01", g = "ph.ecog",
                   st = NULL),
  lung_months_sex = list(d = lung, t = "months", s = "status01", g = "sex", st = NULL),
  veteran_celltype = list(d = veteran, t = "time", s = "status", g = "celltype", st = NULL),
  veteran_celltype_trt = list(d = veteran, t = "time", s = "status", g = "celltype", st = "trt"),
  ovarian_rx_resid = list(d = ovarian, t = "futime", s = "fustat", g = "rx", st = "resid.ds"),
  aml_x = list(d = aml, t = "time", s = "status", g = "x", st = NULL)
)
weightings <- list(logrank = list("logrank"), wilcoxon = list("wilcoxon"),
                   "tarone-ware" = list("tarone-ware"), peto = list("peto"),
                   fh_0_1 = list("fh", 0, 1), fh_1_1 = list("fh", 1, 1),
                   fh_0.5_2 = list("fh", 0.5, 2))

out <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  d <- cs$d
  strata <- if (is.null(cs$st)) rep(1, nrow(d)) else d[[cs$st]]
  group <- d[[cs$g]]
  res <- list()
  for (wn in names(weightings)) {
    wt <- weightings[[wn]]
    res[[wn]] <- weighted_test(d[[cs$t]], d[[cs$s]], group, strata, wt[[1]],
                               if (length(wt) > 1) wt[[2]] else 0,
                               if (length(wt) > 2) wt[[3]] else 0)
    res[[wn]]$trend <- trend_test(res[[wn]], seq_along(res[[wn]]$groups))
  }
  # Cross-check the direct computation against survdiff (G-rho family).
  for (rho in c(0, 1)) {
    f <- if (is.null(cs$st)) {
      as.formula(paste0("Surv(", cs$t, ", ", cs$s, ") ~ ", cs$g))
    } else {
      as.formula(paste0("Surv(", cs$t, ", ", cs$s, ") ~ ", cs$g, " + strata(", cs$st, ")"))
    }
    sd <- survdiff(f, data = d, rho = rho)
    mine <- res[[if (rho == 0) "logrank" else "peto"]]
    stopifnot(isTRUE(all.equal(unname(sd$chisq), mine$statistic, tolerance = 1e-10)))
    obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
    stopifnot(isTRUE(all.equal(unname(obs), mine$observed, tolerance = 1e-10)))
    stopifnot(isTRUE(all.equal(unname(sd$var), mine$variance, tolerance = 1e-10)))
    res[[paste0("survdiff_rho", rho)]] <- list(statistic = unname(sd$chisq),
      observed = unname(obs), expected = unname(if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp),
      variance = unname(sd$var))
  }
  out[[nm]] <- res
}
out[["r_version"]] <- paste(R.version$major, R.version$minor, sep = ".")
out[["survival_version"]] <- as.character(packageVersion("survival"))
write(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE, matrix = "rowmajor"),
      file.path("tests", "reference", "logrank_reference.json"))
