/*
 * Signing through ssh-agent: an Ed25519 key held by the agent signs the PAE bytes, as git's SSH
 * signing does, so a secret key never has to be unlocked by claimtrail. This file only frames
 * the agent protocol (draft-miller-ssh-agent: request identities 11 -> 12, sign request
 * 13 -> 14) over the unix socket the caller names; every signature the agent returns is
 * checked with libsodium before it is used. The library reads no environment: the command
 * passes SSH_AUTH_SOCK in.
 */
#include "key_internal.h"
#include "error.h"
#include "claimtrail/record.h"
#include "signing.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define AGENT_FAILURE 5
#define AGENT_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENT_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_REPLY_MAX (256 * 1024) /* the answer to a request; OpenSSH caps it the same */
#define AGENT_TIMEOUT_MS 30000	     /* an agent may ask for a confirmation (ssh-add -c) */

static const char ed25519_name[] = "ssh-ed25519";

/* ---- framing ---- */

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int buf_u32(ct_buf *b, uint32_t v)
{
	uint8_t p[4];

	put_u32(p, v);
	return ct_buf_put(b, (const char *)p, 4);
}

static int buf_string(ct_buf *b, const void *data, size_t len)
{
	int error;

	if (len > UINT32_MAX)
		return ct_error_set(CT_EINVALID, "ssh-agent: a message is too long");
	if ((error = buf_u32(b, (uint32_t)len)) < 0)
		return error;
	return ct_buf_put(b, data, len);
}

/* A reader over a reply: strings are taken in place. */
typedef struct {
	const uint8_t *p;
	size_t left;
} reader;

static int read_u32(reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = get_u32(r->p);
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int read_string(reader *r, const uint8_t **s, size_t *len)
{
	uint32_t n;

	if (read_u32(r, &n) < 0 || n > r->left)
		return -1;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

/* The public key blob of an Ed25519 key: string "ssh-ed25519", string pk (51 bytes). */
#define ED25519_BLOB_LEN (4 + sizeof(ed25519_name) - 1 + 4 + 32)

static void ed25519_blob(uint8_t out[ED25519_BLOB_LEN], const uint8_t pk[32])
{
	size_t n = sizeof(ed25519_name) - 1;

	put_u32(out, (uint32_t)n);
	memcpy(out + 4, ed25519_name, n);
	put_u32(out + 4 + n, 32);
	memcpy(out + 8 + n, pk, 32);
}

/* Reads the 32 key bytes of an Ed25519 key blob; -1 when it is another kind of blob. */
static int ed25519_from_blob(uint8_t pk[32], const uint8_t *blob, size_t len)
{
	reader r = {blob, len};
	const uint8_t *name, *key;
	size_t nlen, klen;

	if (read_string(&r, &name, &nlen) < 0 || nlen != sizeof(ed25519_name) - 1 ||
		memcmp(name, ed25519_name, nlen) != 0 || read_string(&r, &key, &klen) < 0 ||
		klen != 32 || r.left != 0)
		return -1;
	memcpy(pk, key, 32);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len, const char *sock)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ct_error_set(CT_EIO, "ssh-agent at %s: %s", sock, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t len, const char *sock)
{
	while (len > 0) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t n;
		int rc = poll(&pfd, 1, AGENT_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return ct_error_set(CT_EIO, "ssh-agent at %s: no answer in %d s", sock,
				AGENT_TIMEOUT_MS / 1000);
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ct_error_set(CT_EIO, "ssh-agent at %s: %s", sock, strerror(errno));
		if (n == 0)
			return ct_error_set(
				CT_EIO, "ssh-agent at %s: the agent closed the connection", sock);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends one request (its type and payload) and reads the answer into *reply (type first). */
static int agent_call(ct_buf *reply, const char *sock, uint8_t type, const ct_buf *payload)
{
	struct sockaddr_un addr;
	ct_buf msg = CT_BUF_INIT;
	uint8_t len[4];
	uint32_t n;
	int fd = -1;
	int error;

	ct_buf_clear(reply);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (!sock || !*sock)
		return ct_error_set(CT_EINVALID,
			"ssh-agent: no agent socket (SSH_AUTH_SOCK is not "
			"set: start ssh-agent and ssh-add the key)");
	if (strlen(sock) >= sizeof(addr.sun_path))
		return ct_error_set(CT_EINVALID, "ssh-agent at %s: socket path too long", sock);
	memcpy(addr.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		error = ct_error_set(CT_EIO, "ssh-agent: socket: %s", strerror(errno));
		goto done;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		error = ct_error_set(
			CT_EIO, "ssh-agent at %s: cannot connect: %s", sock, strerror(errno));
		goto done;
	}
	if ((error = buf_u32(&msg, (uint32_t)(1 + payload->len))) < 0 ||
		(error = ct_buf_put(&msg, (const char *)&type, 1)) < 0 ||
		(error = ct_buf_put(&msg, payload->ptr ? payload->ptr : "", payload->len)) < 0 ||
		(error = write_all(fd, (const uint8_t *)msg.ptr, msg.len, sock)) < 0 ||
		(error = read_all(fd, len, 4, sock)) < 0)
		goto done;
	n = get_u32(len);
	if (n == 0 || n > AGENT_REPLY_MAX) {
		error = ct_error_set(CT_EIO, "ssh-agent at %s: an answer of %u bytes", sock, n);
		goto done;
	}
	if ((error = ct_buf_reserve(reply, n)) < 0 ||
		(error = read_all(fd, (uint8_t *)reply->ptr, n, sock)) < 0)
		goto done;
	reply->len = n;
done:
	if (fd >= 0)
		close(fd);
	ct_buf_free(&msg);
	return error;
}

/* 1 when the agent at sock holds the Ed25519 key pk, 0 when it does not. */
static int agent_holds(int *out, const char *sock, const uint8_t pk[32])
{
	ct_buf payload = CT_BUF_INIT;
	ct_buf reply = CT_BUF_INIT;
	reader r;
	uint32_t count, i;
	int error;

	*out = 0;
	if ((error = agent_call(&reply, sock, AGENT_REQUEST_IDENTITIES, &payload)) < 0)
		goto done;
	r.p = (const uint8_t *)reply.ptr + 1;
	r.left = reply.len - 1;
	if ((uint8_t)reply.ptr[0] != AGENT_IDENTITIES_ANSWER || read_u32(&r, &count) < 0) {
		error = ct_error_set(
			CT_EIO, "ssh-agent at %s: no list of keys in the answer", sock);
		goto done;
	}
	for (i = 0; i < count; i++) {
		const uint8_t *blob, *comment;
		size_t blen, clen;
		uint8_t have[32];
		if (read_string(&r, &blob, &blen) < 0 || read_string(&r, &comment, &clen) < 0) {
			error = ct_error_set(
				CT_EIO, "ssh-agent at %s: a malformed list of keys", sock);
			goto done;
		}
		if (ed25519_from_blob(have, blob, blen) == 0 && memcmp(have, pk, 32) == 0)
			*out = 1;
	}
done:
	ct_buf_free(&payload);
	ct_buf_free(&reply);
	return error;
}

int ct__agent_sign(uint8_t sig[64], const char *sock, const uint8_t pk[32], const char *key_id,
	const uint8_t *msg, size_t len)
{
	uint8_t blob[ED25519_BLOB_LEN];
	ct_buf payload = CT_BUF_INIT;
	ct_buf reply = CT_BUF_INIT;
	const uint8_t *sigblob, *name, *raw;
	size_t siglen, nlen, rawlen;
	reader r, s;
	int error;

	ed25519_blob(blob, pk);
	if ((error = buf_string(&payload, blob, sizeof(blob))) < 0 ||
		(error = buf_string(&payload, msg, len)) < 0 ||
		(error = buf_u32(&payload, 0)) < 0 ||
		(error = agent_call(&reply, sock, AGENT_SIGN_REQUEST, &payload)) < 0)
		goto done;
	if ((uint8_t)reply.ptr[0] == AGENT_FAILURE) {
		error = ct_error_set(CT_EIO,
			"ssh-agent at %s refused to sign with key %s (is it added? ssh-add -l)",
			sock, key_id);
		goto done;
	}
	r.p = (const uint8_t *)reply.ptr + 1;
	r.left = reply.len - 1;
	if ((uint8_t)reply.ptr[0] != AGENT_SIGN_RESPONSE ||
		read_string(&r, &sigblob, &siglen) < 0) {
		error = ct_error_set(CT_EIO, "ssh-agent at %s: no signature in the answer", sock);
		goto done;
	}
	s.p = sigblob;
	s.left = siglen;
	if (read_string(&s, &name, &nlen) < 0 || nlen != sizeof(ed25519_name) - 1 ||
		memcmp(name, ed25519_name, nlen) != 0 || read_string(&s, &raw, &rawlen) < 0 ||
		rawlen != 64 || s.left != 0) {
		error = ct_error_set(CT_EIO,
			"ssh-agent at %s: the answer is not an ssh-ed25519 signature", sock);
		goto done;
	}
	/* The agent is another program: what it hands back is checked like any signature. */
	if (ct__signature_verify(pk, raw, msg, len) < 0) {
		error = ct_error_set(CT_EBADSIG,
			"ssh-agent at %s: the signature it made with key %s does not verify", sock,
			key_id);
		goto done;
	}
	memcpy(sig, raw, 64);
done:
	ct_buf_free(&payload);
	ct_buf_free(&reply);
	return error;
}

/* A key with no secret: its signatures come from the agent at sock. */
static int agent_key_new(ct_key **out, const char *sock, const uint8_t pk[32])
{
	ct_key *key = calloc(1, sizeof(*key));

	*out = NULL;
	if (!key || !(key->agent = strdup(sock))) {
		free(key);
		return ct__oom();
	}
	memcpy(key->pk, pk, 32);
	ct_key_id_of(key->id, key->pk);
	*out = key;
	return 0;
}

int ct_key_from_agent(ct_key **out, const char *socket_path, const json_t *public_record)
{
	ct_key *key = NULL;
	uint8_t pk[32];
	int holds = 0;
	int error;

	*out = NULL;
	if ((error = ct_key_record_check(public_record)) < 0)
		return error;
	ct__decode_exact(
		pk, sizeof(pk), json_string_value(json_object_get(public_record, "public_key")));
	if ((error = agent_holds(&holds, socket_path, pk)) < 0)
		return error;
	if (!holds)
		return ct_error_set(CT_ENOTFOUND,
			"ssh-agent at %s does not hold key %s (ssh-add the key's file)",
			socket_path, json_string_value(json_object_get(public_record, "key_id")));
	if ((error = agent_key_new(&key, socket_path, pk)) < 0)
		return error;
	if (!(key->record = json_deep_copy(public_record))) {
		ct_key_free(key);
		return ct__oom();
	}
	*out = key;
	return 0;
}

int ct_key_import_ssh(ct_key **out, const char *socket_path, const char *ssh_public_key,
	const char *name, const char *org)
{
	ct_key *key = NULL;
	uint8_t blob[ED25519_BLOB_LEN];
	uint8_t pk[32];
	char b64[128];
	const char *p = ssh_public_key, *end;
	int holds = 0;
	int error;

	*out = NULL;
	/* "ssh-ed25519 BASE64 [comment]", as ssh-keygen writes id_ed25519.pub */
	if (strncmp(p, ed25519_name, sizeof(ed25519_name) - 1) != 0 ||
		p[sizeof(ed25519_name) - 1] != ' ')
		return ct_error_set(CT_EINVALID,
			"not an ssh-ed25519 public key (only Ed25519 keys can sign claimtrail "
			"records: ssh-keygen -t ed25519)");
	p += sizeof(ed25519_name);
	end = p + strcspn(p, " \t\r\n");
	if ((size_t)(end - p) >= sizeof(b64))
		return ct_error_set(CT_EINVALID, "ssh-ed25519 public key: the key is too long");
	memcpy(b64, p, (size_t)(end - p));
	b64[end - p] = '\0';
	if (ct__decode_exact(blob, sizeof(blob), b64) < 0 ||
		ed25519_from_blob(pk, blob, sizeof(blob)) < 0)
		return ct_error_set(
			CT_EINVALID, "ssh-ed25519 public key: not the base64 of an Ed25519 key");
	if ((error = agent_holds(&holds, socket_path, pk)) < 0)
		return error;
	if (!holds) {
		char id[CT_KEY_ID_LEN + 1];
		ct_key_id_of(id, pk);
		return ct_error_set(CT_ENOTFOUND,
			"ssh-agent at %s does not hold this key (%s): ssh-add it first",
			socket_path, id);
	}
	if ((error = agent_key_new(&key, socket_path, pk)) < 0 ||
		(error = ct__key_record_make(key, name, org)) < 0)
		goto done;
	*out = key;
	key = NULL;
done:
	ct_key_free(key);
	return error;
}
