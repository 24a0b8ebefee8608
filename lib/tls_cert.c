// SPDX-License-Identifier: GPL-2.0-only
/*
 * agw's own TLS certificate: loaded from PEM files, or a self-signed ECDSA
 * P-256 pair created once in the state directory. The UE trusts it by the
 * fingerprint the MGC puts in SDP, so no CA is involved.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "agw/tls.h"
#include "tls_priv.h"

/* Long enough to outlive any deployment between restarts; a peer checks
 * the fingerprint, not the dates. */
#define CERT_DAYS 3650

int agw_tls_cert_load(const char *cert_path, const char *key_path,
		      struct agw_tls_cert **out)
{
	struct agw_tls_cert *c;
	FILE *f = NULL;
	int ret = -ENOMEM;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	f = fopen(cert_path, "r");
	if (!f) {
		ret = -errno;
		goto err;
	}
	c->x509 = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!c->x509) {
		ret = -EBADMSG;
		goto err;
	}
	f = fopen(key_path, "r");
	if (!f) {
		ret = -errno;
		goto err;
	}
	c->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!c->pkey) {
		ret = -EBADMSG;
		goto err;
	}
	if (X509_check_private_key(c->x509, c->pkey) != 1) {
		ret = -EKEYREJECTED;
		goto err;
	}
	ERR_clear_error();
	*out = c;
	return 0;
err:
	ERR_clear_error();
	agw_tls_cert_free(c);
	return ret;
}

void agw_tls_cert_free(struct agw_tls_cert *cert)
{
	if (!cert)
		return;
	X509_free(cert->x509);
	EVP_PKEY_free(cert->pkey);
	free(cert);
}

int agw_tls_cert_fingerprint(const struct agw_tls_cert *cert,
			     enum agw_fp_hash hash, struct agw_fingerprint *out)
{
	return agw_tls_x509_fingerprint(cert->x509, hash, out);
}

int agw_tls_x509_fingerprint(X509 *x509, enum agw_fp_hash hash,
			     struct agw_fingerprint *out)
{
	unsigned char *der = NULL;
	int len, ret;

	/* RFC 8122: the hash of the DER form of the certificate. */
	len = i2d_X509(x509, &der);
	if (len <= 0)
		return -EINVAL;
	ret = agw_fp_of_der(hash, der, (size_t)len, out);
	OPENSSL_free(der);
	return ret;
}

static X509 *cert_self_sign(EVP_PKEY *pkey)
{
	unsigned char serial[16];
	X509_NAME *name;
	BIGNUM *bn = NULL;
	X509 *x;

	x = X509_new();
	if (!x)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto err;
	serial[0] &= 0x7f; /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		goto err;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) ||
	    !X509_set_pubkey(x, pkey))
		goto err;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"agw", -1, -1,
					0) ||
	    !X509_set_issuer_name(x, name) || !X509_sign(x, pkey, EVP_sha256()))
		goto err;
	BN_free(bn);
	return x;
err:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write a PEM file under a temporary name with the given mode, so a crash
 * never leaves half a key behind. */
static int cert_write_pem(const char *path, mode_t mode, X509 *x,
			  EVP_PKEY *pkey)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* The umask may have widened nothing but could have narrowed;
	 * enforce the exact mode. */
	if (fchmod(fd, mode) < 0 || !(f = fdopen(fd, "w"))) {
		int e = -errno;

		close(fd);
		unlink(tmp);
		return e;
	}
	ok = x ? PEM_write_X509(f, x) :
		 PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int cert_create(const char *cert_path, const char *key_path)
{
	EVP_PKEY *pkey;
	X509 *x = NULL;
	int ret = -ENOMEM;

	pkey = EVP_EC_gen("P-256");
	if (!pkey)
		goto out;
	x = cert_self_sign(pkey);
	if (!x)
		goto out;
	/* Key first: a certificate without its key is useless. */
	ret = cert_write_pem(key_path, 0600, NULL, pkey);
	if (!ret)
		ret = cert_write_pem(cert_path, 0644, x, NULL);
	if (ret)
		unlink(key_path);
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ret;
}

int agw_tls_cert_load_or_create(const char *state_dir,
				struct agw_tls_cert **out)
{
	char cert_path[PATH_MAX], key_path[PATH_MAX];
	bool have_cert, have_key;
	struct stat st;
	int ret;

	if (snprintf(cert_path, sizeof(cert_path), "%s/%s", state_dir,
		     AGW_TLS_CERT_FILE) >= (int)sizeof(cert_path) ||
	    snprintf(key_path, sizeof(key_path), "%s/%s", state_dir,
		     AGW_TLS_KEY_FILE) >= (int)sizeof(key_path))
		return -ENAMETOOLONG;
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	have_cert = access(cert_path, F_OK) == 0;
	have_key = stat(key_path, &st) == 0;
	/* One without the other means someone else touched the directory:
	 * refuse rather than silently replace an identity. */
	if (have_cert != have_key)
		return -ENOENT;
	if (!have_key) {
		ret = cert_create(cert_path, key_path);
		if (ret)
			return ret;
	} else if (st.st_mode & 077) {
		return -EPERM;
	}
	return agw_tls_cert_load(cert_path, key_path, out);
}
