/* Writing whole buffers to files (util.c). */
#ifndef CT_FILEIO_H
#define CT_FILEIO_H

#include <stddef.h>

/* Writes all len bytes of data to fd, again after EINTR and short writes. Returns 0, or CT_EIO
 * with the message "<name>: <the system's reason>". */
int ct__write_all(int fd, const void *data, size_t len, const char *name);

#endif
