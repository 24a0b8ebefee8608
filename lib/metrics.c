// SPDX-License-Identifier: GPL-2.0-only
/* Metrics registry and text exposition; see include/agw/metrics.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agw/metrics.h"

void agw_histogram_observe(struct agw_histogram *h, const double *bounds,
			   unsigned int nbounds, double v)
{
	unsigned int i = 0;

	while (i < nbounds && i < AGW_HIST_MAX && v > bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

unsigned int agw_metric_series(const struct agw_metric_family *f)
{
	unsigned int n = 1;

	for (int i = 0; i < 2; i++)
		if (f->label[i])
			n *= f->label[i]->n;
	return n;
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct agw_strbuf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			agw_strbuf_append(out, "\\\\", 2);
		else if (*v == '"')
			agw_strbuf_append(out, "\\\"", 2);
		else if (*v == '\n')
			agw_strbuf_append(out, "\\n", 2);
		else
			agw_strbuf_append(out, v, 1);
	}
}

/* HELP text: backslash and newline escaped. */
static void help_text(struct agw_strbuf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			agw_strbuf_append(out, "\\\\", 2);
		else if (*v == '\n')
			agw_strbuf_append(out, "\\n", 2);
		else
			agw_strbuf_append(out, v, 1);
	}
}

static void number(struct agw_strbuf *out, double v)
{
	if (isinf(v))
		agw_strbuf_printf(out, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		agw_strbuf_printf(out, "NaN");
	else if (v == (double)(int64_t)v && fabs(v) < 9e15)
		agw_strbuf_printf(out, "%" PRId64, (int64_t)v);
	else
		agw_strbuf_printf(out, "%.17g", v);
}

/* name{labels of series idx[,extra="x"]} */
static void series_name(struct agw_strbuf *out,
			const struct agw_metric_family *f, const char *suffix,
			unsigned int idx, const char *extra, const char *xval)
{
	unsigned int n1 = f->label[1] ? f->label[1]->n : 1;
	unsigned int vi[2] = { idx / n1, idx % n1 };
	bool any = false;

	agw_strbuf_printf(out, "%s%s", f->name, suffix);
	for (int i = 0; i < 2; i++) {
		if (!f->label[i])
			continue;
		agw_strbuf_printf(out, "%s%s=\"", any ? "," : "{",
				  f->label[i]->name);
		label_value(out, f->label[i]->values[vi[i]]);
		agw_strbuf_append(out, "\"", 1);
		any = true;
	}
	if (extra) {
		agw_strbuf_printf(out, "%s%s=\"%s\"", any ? "," : "{", extra,
				  xval);
		any = true;
	}
	if (any)
		agw_strbuf_append(out, "}", 1);
	agw_strbuf_append(out, " ", 1);
}

static void write_hist(struct agw_strbuf *out,
		       const struct agw_metric_family *f, unsigned int idx)
{
	const struct agw_histogram *h = &f->h[idx];
	unsigned int nb = f->nbounds < AGW_HIST_MAX ? f->nbounds : AGW_HIST_MAX;
	uint64_t cum = 0;
	char le[32];

	for (unsigned int b = 0; b < nb; b++) {
		cum += h->counts[b];
		snprintf(le, sizeof(le), "%g", f->bounds[b]);
		series_name(out, f, "_bucket", idx, "le", le);
		agw_strbuf_printf(out, "%" PRIu64 "\n", cum);
	}
	series_name(out, f, "_bucket", idx, "le", "+Inf");
	agw_strbuf_printf(out, "%" PRIu64 "\n", h->count);
	series_name(out, f, "_sum", idx, NULL, NULL);
	number(out, h->sum);
	agw_strbuf_append(out, "\n", 1);
	series_name(out, f, "_count", idx, NULL, NULL);
	agw_strbuf_printf(out, "%" PRIu64 "\n", h->count);
}

void agw_metrics_write(struct agw_strbuf *out,
		       const struct agw_metric_family *f, unsigned int n)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };

	for (; n; n--, f++) {
		unsigned int ns = agw_metric_series(f);

		agw_strbuf_printf(out, "# HELP %s ", f->name);
		help_text(out, f->help);
		agw_strbuf_printf(out, "\n# TYPE %s %s\n", f->name,
				  types[f->type]);
		for (unsigned int i = 0; i < ns; i++) {
			switch (f->type) {
			case AGW_METRIC_COUNTER:
				if (f->sparse && !f->u[i])
					break;
				series_name(out, f, "", i, NULL, NULL);
				agw_strbuf_printf(out, "%" PRIu64 "\n",
						  f->u[i]);
				break;
			case AGW_METRIC_GAUGE:
				if (f->sparse && !f->g[i])
					break;
				series_name(out, f, "", i, NULL, NULL);
				number(out, f->g[i]);
				agw_strbuf_append(out, "\n", 1);
				break;
			case AGW_METRIC_HISTOGRAM:
				write_hist(out, f, i);
				break;
			}
		}
	}
}
