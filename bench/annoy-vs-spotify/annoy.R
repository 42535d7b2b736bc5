#!/usr/bin/env Rscript
# spotify/annoy itself (through Debian's r-cran-rcppannoy, annoy's C++ behind R) on the files that
# FaceIndex.AnnoyBench wrote: build time, single-threaded queries/s at each searchK, recall@10 against the
# same exact ground truth, and whether its ids equal ours. Writes DIR/annoy-r.json.
# usage: Rscript annoy.R DIR N DIM TREES SEED SEARCHKS(comma) METRIC REPEATS
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 8) stop("usage: annoy.R DIR N DIM TREES SEED SEARCHKS METRIC REPEATS")
dir <- args[1]; n <- as.integer(args[2]); dim <- as.integer(args[3]); trees <- as.integer(args[4])
seed <- as.integer(args[5]); searchks <- as.integer(strsplit(args[6], ",")[[1]]); metric <- args[7]
repeats <- as.integer(args[8])
suppressMessages(library(RcppAnnoy))

read_f32 <- function(path, count) {
  con <- file(path, "rb"); on.exit(close(con))
  readBin(con, "numeric", n = count, size = 4, endian = "little")
}
read_i32 <- function(path, count) {
  con <- file(path, "rb"); on.exit(close(con))
  readBin(con, "integer", n = count, size = 4, endian = "little")
}
cpu <- function() { t <- proc.time(); t[["user.self"]] + t[["sys.self"]] }
wall <- function() proc.time()[["elapsed"]]
peak_rss_mb <- function() {
  l <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", l)) / 1024
}

items <- matrix(read_f32(file.path(dir, "vectors.f32"), n * dim), nrow = n, byrow = TRUE)
qsize <- file.info(file.path(dir, "queries.f32"))$size / 4
nq <- qsize / dim
queries <- matrix(read_f32(file.path(dir, "queries.f32"), qsize), nrow = nq, byrow = TRUE)
truth <- matrix(read_i32(file.path(dir, "truth.i32"), nq * 10), nrow = nq, byrow = TRUE)

cls <- switch(metric, angular = AnnoyAngular, euclidean = AnnoyEuclidean, manhattan = AnnoyManhattan,
              stop("metric not in r-cran-rcppannoy: ", metric))
a <- new(cls, dim)
a$setSeed(seed)
for (i in seq_len(n)) a$addItem(i - 1L, items[i, ])
rm(items); invisible(gc())

w0 <- wall(); c0 <- cpu()
a$build(trees)
build_wall <- wall() - w0; build_cpu <- cpu() - c0
cat(sprintf("annoy build: %.2f s wall, %.2f s CPU\n", build_wall, build_cpu))
path <- file.path(dir, "annoy-r.ann")
a$save(path) # annoy's save unloads and loads the file (mmap), like our Open
sha <- strsplit(system2("sha256sum", path, stdout = TRUE), " ")[[1]][1]

ql <- lapply(seq_len(nq), function(i) queries[i, ])
# R's own cost per call into annoy (included in the queries/s below): a trivial method called nq times.
c0 <- cpu(); for (i in seq_len(nq)) a$getNItems(); call_us <- (cpu() - c0) / nq * 1e6
cat(sprintf("R call overhead: %.2f us per call (CPU)\n", call_us))
results <- list()
for (k in searchks) {
  for (i in seq_len(min(200, nq))) a$getNNsByVectorList(ql[[i]], 10, k, FALSE)
  walls <- c(); cpus <- c(); found <- NULL
  for (r in seq_len(repeats)) {
    res <- vector("list", nq)
    w0 <- wall(); c0 <- cpu()
    for (i in seq_len(nq)) res[[i]] <- a$getNNsByVectorList(ql[[i]], 10, k, FALSE)$item
    walls <- c(walls, wall() - w0); cpus <- c(cpus, cpu() - c0)
    if (is.null(found)) found <- res
  }
  recall <- mean(sapply(seq_len(nq), function(i) length(intersect(found[[i]], truth[i, ])))) / 10
  ours_path <- file.path(dir, sprintf("ours-ids-k%d.i32", k))
  same <- NA
  if (file.exists(ours_path)) {
    ours <- matrix(read_i32(ours_path, nq * 10), nrow = nq, byrow = TRUE)
    same <- mean(sapply(seq_len(nq), function(i) identical(as.integer(found[[i]]), ours[i, seq_along(found[[i]])])))
  }
  qps <- nq / median(walls); cqps <- nq / median(cpus)
  cat(sprintf("searchK %6d: %9.0f q/s wall, %9.0f q/s CPU, recall@10 %.4f, same ids as ours %.4f\n", k, qps, cqps, recall, same))
  results[[length(results) + 1]] <- sprintf(
    '{"searchK": %d, "queriesPerSecond": %.3f, "cpuQueriesPerSecond": %.3f, "recall": %.6f, "sameIdsAsOurs": %s}',
    k, qps, cqps, recall, ifelse(is.na(same), "null", sprintf("%.6f", same)))
}

json <- sprintf(paste0('{"implementation": "spotify/annoy (RcppAnnoy %s)", "machine": null, "settings": null,\n',
  ' "builds": [{"threads": 1, "seconds": %.4f, "cpuSeconds": %.4f, "sha256": "%s"}],\n',
  ' "indexBytes": %.0f, "peakRssMb": %.1f, "callOverheadMicroseconds": %.3f,\n "search": [\n  %s\n ]}\n'),
  as.character(packageVersion("RcppAnnoy")), build_wall, build_cpu, sha, file.info(path)$size, peak_rss_mb(), call_us,
  paste(results, collapse = ",\n  "))
writeLines(json, file.path(dir, "annoy-r.json"))
