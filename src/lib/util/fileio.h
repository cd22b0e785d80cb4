/* Writing whole buffers to files (util.c). */
#ifndef CT_FILEIO_H
#define CT_FILEIO_H

#include "claimtrail/common.h"

#include <stddef.h>

/* Writes all len bytes of data to fd, again after EINTR and short writes. Returns 0, or CT_EIO
 * with the message "<name>: <the system's reason>". */
int ct__write_all(int fd, const void *data, size_t len, const char *name);

/*
 * A file the user names for output (-o FILE, and ct_file_write_atomic). A regular file, or none
 * yet, is written under a temporary name in the same folder and renamed over path at commit, so
 * it is the old file or the new one. An existing character device or FIFO (/dev/null,
 * /dev/stdout, a pipe) is written into directly and never replaced; a symbolic link, a folder or
 * anything else is refused (CT_EINVALID) before anything is written.
 */
typedef struct {
	int fd;	    /* write here */
	int direct; /* 1: into the existing device or FIFO */
	ct_buf tmp; /* the temporary name, when not direct */
	const char *path;
	int nosync; /* 0 after open; 1: commit renames without flushing to disk first (derived
		     * output whose writer syncs once at the end or can make it again) */
} ct__outfile;

/* Opens path for output as above; mode is a new file's permissions (less the umask). */
int ct__outfile_open(ct__outfile *o, const char *path, unsigned mode);

/* Flushes to disk (unless nosync), closes and renames into place (or only closes, when
 * direct). */
int ct__outfile_commit(ct__outfile *o);

/* Closes and removes the temporary file; a no-op after a commit. */
void ct__outfile_abort(ct__outfile *o);

#endif
