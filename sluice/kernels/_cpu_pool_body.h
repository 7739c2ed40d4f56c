/* The pooling loops of _cpu_conv.c for one element type and vector width, included by
 * _cpu_conv_body.h (which defines T and NAME). Output pixel by output pixel, over the part of its
 * window inside the input; channels innermost, or outermost where they are few. */

/* -- pooling: g->c channels, window kh x kw (no dilation), o == c -------------------------------- */

/* Below this many channels a window's loop runs channel by channel (a vector loop over so few
 * channels would carry its partial results through memory from one window position to the next). */
#define SMALL_C 16

/* The window of output pixel (n, oh, ow): rows [*i0, *i1) and columns [*j0, *j1) of it lie inside
 * the input, as offsets from the window's corner (top, left) in input coordinates. */
static void NAME(window)(const Geo *g, idx oh, idx ow, idx *top, idx *left, idx *i0, idx *i1, idx *j0, idx *j1) {
    *top = oh * g->sh - g->pt, *left = ow * g->sw - g->pl;
    *i0 = *top < 0 ? -*top : 0;
    *i1 = *top + g->kh > g->h ? g->h - *top : g->kh;
    *j0 = *left < 0 ? -*left : 0;
    *j1 = *left + g->kw > g->w ? g->w - *left : g->kw;
}

/* y = the max of each window, padding read as -inf; NaN wins as in numpy.maximum. */
static void NAME(max_pool)(const Geo *g, const T *x, T *y) {
    const idx c = g->c;
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, y += c) {
                idx top, left, i0, i1, j0, j1;
                NAME(window)(g, oh, ow, &top, &left, &i0, &i1, &j0, &j1);
                T *restrict out = y;
                if (c < SMALL_C) {  /* channels outermost: the running max stays in a register */
                    for (idx k = 0; k < c; k++) {
                        T a = -(T)INFINITY;
                        for (idx i = i0; i < i1; i++)
                            for (idx j = j0; j < j1; j++) {
                                const T b = x[((n * g->h + top + i) * g->w + left + j) * c + k];
                                a = ((a >= b) | (a != a)) ? a : b;
                            }
                        out[k] = a;
                    }
                    continue;
                }
                for (idx k = 0; k < c; k++) out[k] = -(T)INFINITY;
                for (idx i = i0; i < i1; i++)
                    for (idx j = j0; j < j1; j++) {
                        const T *restrict v = x + ((n * g->h + top + i) * g->w + left + j) * c;
                        for (idx k = 0; k < c; k++) {  /* no branch: | not || */
                            const T a = out[k], b = v[k];
                            out[k] = ((a >= b) | (a != a)) ? a : b;
                        }
                    }
            }
}

/* dx: each window's gradient added where the window's first maximum lies, in row-major order of the
 * window with padding read as -inf (a maximum first found in the padding is dropped). first[k]: the
 * window position found so far for channel k (-1: none yet; kh*kw: the padding, dropped). */
static void NAME(max_pool_grad)(const Geo *g, const T *x, const T *y, const T *grad, T *dx, int32_t *first) {
    const idx c = g->c;
    const int32_t none = -1, dropped = (int32_t)(g->kh * g->kw);
    idx offsets[64];  /* window position -> its offset from the window's corner in x (no division per hit) */
    const int table = g->kh * g->kw <= 64;
    for (idx pos = 0; table && pos < g->kh * g->kw; pos++) offsets[pos] = ((pos / g->kw) * g->w + pos % g->kw) * c;
    /* Windows that tile the input (stride = window, no padding before) write their elements whole,
     * so only the elements no window covers are zeroed first; overlapping windows, and windows of
     * few channels (where short loops over every element cost more than a memset), add into zeros. */
    const int tiling = g->sh == g->kh && g->sw == g->kw && g->pt == 0 && g->pl == 0 && c >= SMALL_C;
    if (!tiling) {
        memset(dx, 0, sizeof(T) * (size_t)(g->n * g->h * g->w * c));
    } else {
        const idx rows = g->oh * g->kh < g->h ? g->oh * g->kh : g->h, cols = g->ow * g->kw < g->w ? g->ow * g->kw : g->w;
        for (idx n = 0; n < g->n; n++)
            for (idx ih = 0; ih < g->h; ih++) {
                T *line = dx + (n * g->h + ih) * g->w * c;
                const idx from = ih < rows ? cols : 0;
                memset(line + from * c, 0, sizeof(T) * (size_t)((g->w - from) * c));
            }
    }
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, y += c, grad += c) {
                idx top, left, i0, i1, j0, j1;
                NAME(window)(g, oh, ow, &top, &left, &i0, &i1, &j0, &j1);
                const T *restrict yv = y;
                int32_t *restrict at = first;
                if (c < SMALL_C) {  /* channels outermost: the search stays in registers */
                    const int whole = i0 == 0 && j0 == 0 && i1 == g->kh && j1 == g->kw;
                    for (idx k = 0; k < c; k++) {
                        int32_t found = none;
                        const T target = yv[k];
                        if (whole) {  /* no padding: a select per position, no branch */
                            const T *v = x + ((n * g->h + top) * g->w + left) * c + k;
                            for (idx i = 0; i < g->kh; i++, v += g->w * c)
                                for (idx j = 0; j < g->kw; j++) {
                                    const int32_t pos = (int32_t)(i * g->kw + j);
                                    found = ((found == none) & (v[j * c] == target)) ? pos : found;
                                }
                        } else {
                            for (idx i = 0; i < g->kh && found == none; i++)
                                for (idx j = 0; j < g->kw && found == none; j++) {
                                    const int inside = i >= i0 && i < i1 && j >= j0 && j < j1;
                                    const T v = inside ? x[((n * g->h + top + i) * g->w + left + j) * c + k]
                                                       : -(T)INFINITY;
                                    if (v == target) found = inside ? (int32_t)(i * g->kw + j) : dropped;
                                }
                        }
                        at[k] = found;
                    }
                } else {
                    for (idx k = 0; k < c; k++) at[k] = none;
                    for (idx i = 0; i < g->kh; i++)
                        for (idx j = 0; j < g->kw; j++) {
                            if (i < i0 || i >= i1 || j < j0 || j >= j1) {
                                for (idx k = 0; k < c; k++)
                                    at[k] = ((at[k] == none) & (yv[k] == -(T)INFINITY)) ? dropped : at[k];
                                continue;
                            }
                            const int32_t pos = (int32_t)(i * g->kw + j);
                            const T *restrict v = x + ((n * g->h + top + i) * g->w + left + j) * c;
                            for (idx k = 0; k < c; k++) at[k] = ((at[k] == none) & (v[k] == yv[k])) ? pos : at[k];
                        }
                }
                const idx corner = ((n * g->h + top) * g->w + left) * c;  /* may lie before dx; corner + off does not */
                if (tiling) {  /* 0 + grad as the overlapping case adds it (-0 becomes +0) */
                    for (idx i = i0; i < i1; i++)
                        for (idx j = j0; j < j1; j++) {
                            const int32_t pos = (int32_t)(i * g->kw + j);
                            T *restrict d = dx + corner + (i * g->w + j) * c;
                            for (idx k = 0; k < c; k++) d[k] = at[k] == pos ? (T)0 + grad[k] : (T)0;
                        }
                    continue;
                }
                for (idx k = 0; k < c; k++) {
                    if (at[k] == none || at[k] == dropped) continue;
                    const idx off = table ? offsets[at[k]] : ((at[k] / g->kw) * g->w + at[k] % g->kw) * c;
                    dx[corner + off + k] += grad[k];
                }
            }
}

/* y = the sum of each window's in-input elements (row-major) / how many there are. */
static void NAME(avg_pool)(const Geo *g, const T *x, T *y) {
    const idx c = g->c;
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, y += c) {
                idx top, left, i0, i1, j0, j1;
                NAME(window)(g, oh, ow, &top, &left, &i0, &i1, &j0, &j1);
                const T count = (T)((i1 - i0) * (j1 - j0));
                for (idx k = 0; k < c; k++) y[k] = 0;
                for (idx i = i0; i < i1; i++)
                    for (idx j = j0; j < j1; j++) {
                        const T *v = x + ((n * g->h + top + i) * g->w + left + j) * c;
                        for (idx k = 0; k < c; k++) y[k] += v[k];
                    }
                for (idx k = 0; k < c; k++) y[k] /= count;
            }
}

/* dx: grad / count added to every in-input element of its window. */
static void NAME(avg_pool_grad)(const Geo *g, const T *grad, T *dx, T *share) {
    const idx c = g->c;
    memset(dx, 0, sizeof(T) * (size_t)(g->n * g->h * g->w * c));
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, grad += c) {
                idx top, left, i0, i1, j0, j1;
                NAME(window)(g, oh, ow, &top, &left, &i0, &i1, &j0, &j1);
                const T count = (T)((i1 - i0) * (j1 - j0));
                for (idx k = 0; k < c; k++) share[k] = grad[k] / count;
                for (idx i = i0; i < i1; i++)
                    for (idx j = j0; j < j1; j++) {
                        T *d = dx + ((n * g->h + top + i) * g->w + left + j) * c;
                        for (idx k = 0; k < c; k++) d[k] += share[k];
                    }
            }
}

#undef SMALL_C
