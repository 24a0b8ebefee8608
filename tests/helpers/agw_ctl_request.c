// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper: send one control-socket request with agw_ctl_request_alloc()
 * and print the reply line (of any size). Usage: agw_ctl_request SOCKET REQUEST...
 * Exit 0 when the reply says "ok":true, 1 when false, 2 on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw/ctlsock.h"

int main(int argc, char **argv)
{
	char req[AGW_CTL_REQ_MAX] = "", *reply;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET REQUEST...\n", argv[0]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strlen(req) + strlen(argv[i]) + 2 > sizeof(req))
			return 2;
		if (i > 2)
			strcat(req, " ");
		strcat(req, argv[i]);
	}
	r = agw_ctl_request_alloc(argv[1], req, &reply, AGW_CTL_REPLY_MAX);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
		return 2;
	}
	puts(reply);
	r = strncmp(reply, "{\"ok\":true", 10) ? 1 : 0;
	free(reply);
	return r;
}
