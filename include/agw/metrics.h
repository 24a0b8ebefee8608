/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small metrics registry: counters, gauges and histograms with fixed
 * buckets, labelled by at most two small fixed sets of values (enums), and
 * their text exposition in the Prometheus format (version 0.0.4, which
 * OpenMetrics parsers read too). The caller owns the storage; an update is
 * one add, no allocation and no lock (one thread updates and scrapes).
 * Documentation/metrics.md lists agwd's metrics.
 */
#ifndef AGW_METRICS_H
#define AGW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "agw/strbuf.h"

#define AGW_HIST_MAX 16 /* buckets besides +Inf */
#define AGW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum agw_metric_type {
	AGW_METRIC_COUNTER,
	AGW_METRIC_GAUGE,
	AGW_METRIC_HISTOGRAM,
};

struct agw_histogram {
	uint64_t counts[AGW_HIST_MAX + 1]; /* per bucket, not cumulative */
	double sum;
	uint64_t count;
};

/* A label: its name and the names of its values, indexed by an enum. */
struct agw_metric_label {
	const char *name;
	const char *const *values;
	unsigned int n;
};

/*
 * One metric family. Its series are the product of its labels' values
 * (none: one series), stored row-major in the array of its type:
 * counters in u, gauges in g, histograms in h (sharing bounds).
 */
struct agw_metric_family {
	const char *name; /* agw_..._total for counters, base units */
	const char *help;
	enum agw_metric_type type;
	const struct agw_metric_label *label[2]; /* NULL: unused */
	bool sparse; /* leave out series that are 0 (error codes...) */
	const double *bounds; /* histograms: ascending upper bounds */
	unsigned int nbounds;
	uint64_t *u;
	double *g;
	struct agw_histogram *h;
};

static inline void agw_metric_inc(uint64_t *c)
{
	++*c;
}

static inline void agw_metric_add(uint64_t *c, uint64_t n)
{
	*c += n;
}

void agw_histogram_observe(struct agw_histogram *h, const double *bounds,
			   unsigned int nbounds, double v);

/* Number of series of f (the product of its labels' value counts). */
unsigned int agw_metric_series(const struct agw_metric_family *f);

/*
 * Append the exposition of n families to out: # HELP, # TYPE, then one
 * line per series ("name{l1="v1",l2="v2"} value"); histograms as
 * name_bucket{le=...} (cumulative), name_sum and name_count.
 */
void agw_metrics_write(struct agw_strbuf *out,
		       const struct agw_metric_family *f, unsigned int n);

#endif /* AGW_METRICS_H */
