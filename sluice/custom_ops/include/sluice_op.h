/* sluice custom-op kernels: what a CPU kernel function may rely on.
 *
 * A kernel function is a plain C function (extern "C" in C++) declared to sluice with its
 * argument list, e.g. "float32[V,D] w, int32[N] ids, int64 n, errbuf err". sluice checks every
 * array's dtype, rank and the agreement of named dimensions before the call and passes
 * C-contiguous buffers; the function returns 0 on success, or nonzero after writing a message
 * into the errbuf argument (SLUICE_ERRBUF_SIZE bytes), which sluice raises as the op's error.
 */
#ifndef SLUICE_OP_H_
#define SLUICE_OP_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SLUICE_ERRBUF_SIZE 512

#ifdef __cplusplus
#define SLUICE_KERNEL extern "C"
#else
#define SLUICE_KERNEL
#endif

/* Writes a printf-style message into err and returns 1: `return sluice_fail(err, "bad id %d", id);` */
#define sluice_fail(err, ...) (snprintf((err), SLUICE_ERRBUF_SIZE, __VA_ARGS__), 1)

#endif  /* SLUICE_OP_H_ */
