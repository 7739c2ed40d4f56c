/* The loops of _cpu_conv.c for one element type and one vector width, included once per
 * (type, instruction set). The includer defines:
 *   T      the element type (float or double)
 *   VB     the vector width in bytes (16, 32 or 64)
 *   R      rows per register block (output pixels, or filter rows)
 *   NBMAX  the most vectors of output channels per register block (R * NBMAX accumulators)
 *   NAME(x) the suffixed name of each function
 * See _cpu_conv.c for the algorithms. */

typedef T NAME(vec) __attribute__((vector_size(VB), aligned(sizeof(T)), may_alias));
#define V NAME(vec)
#define VL ((idx)(VB / sizeof(T)))

/* Register block of the gathered product: for rows r < R and vectors q < NB,
 *   acc[r][q] (+)= sum over listed segments j, c < red: ptrs[r*kk + j][c] * B[(j*red + c)*ldb + q*VL ...]
 * starting from zero (fresh) or from tile row r, and stored back to tile row r (tw elements apart). */
#define GATHER_BLOCK(NB)                                                                          \
    static void NAME(gather_##NB)(idx red, int nseg, const int *segs, int kk, const T *const *ptrs,  \
                                  const T *B, idx ldb, T *tile, idx tw, int fresh) {              \
        V acc[R][NB];                                                                             \
        for (int r = 0; r < R; r++)                                                               \
            for (int q = 0; q < NB; q++) acc[r][q] = fresh ? (V){0} : *(const V *)(tile + r * tw + q * VL); \
        for (int s = 0; s < nseg; s++) {                                                          \
            const int j = segs[s];                                                                \
            const T *p[R];                                                                        \
            for (int r = 0; r < R; r++) p[r] = ptrs[r * kk + j];                                  \
            const T *b = B + (idx)j * red * ldb;                                                  \
            for (idx c = 0; c < red; c++, b += ldb) {                                             \
                V bv[NB];                                                                         \
                for (int q = 0; q < NB; q++) bv[q] = *(const V *)(b + q * VL);                    \
                for (int r = 0; r < R; r++) {                                                     \
                    const T a = p[r][c];                                                          \
                    for (int q = 0; q < NB; q++) acc[r][q] += bv[q] * a;                          \
                }                                                                                 \
            }                                                                                     \
        }                                                                                         \
        for (int r = 0; r < R; r++)                                                               \
            for (int q = 0; q < NB; q++) *(V *)(tile + r * tw + q * VL) = acc[r][q];              \
    }
GATHER_BLOCK(1)
GATHER_BLOCK(2)
GATHER_BLOCK(3)
#if NBMAX >= 4
GATHER_BLOCK(4)
#endif
#undef GATHER_BLOCK

/* Register block of the filter gradient: for rows i < R (input channels c0 + i) and vectors q,
 *   acc[i][q] = sum over k < np: xp[k][c0 + i] * dyp[k][o0 + q*VL ...]
 * added into dw[i*lddw + o0 ...] for i < rows, `cols` columns. dyp rows are padded to whole vectors. */
#define FILTER_BLOCK(NB)                                                                          \
    static void NAME(filter_##NB)(idx np, const T *const *xp, idx c0, const T *const *dyp, idx o0,   \
                                  T *dw, idx lddw, int rows, idx cols) {                          \
        V acc[R][NB];                                                                             \
        idx ci[R];                                                                                \
        for (int r = 0; r < R; r++) {                                                             \
            ci[r] = c0 + (r < rows ? r : rows - 1);                                               \
            for (int q = 0; q < NB; q++) acc[r][q] = (V){0};                                      \
        }                                                                                         \
        for (idx k = 0; k < np; k++) {                                                            \
            const T *x = xp[k], *d = dyp[k] + o0;                                                 \
            V bv[NB];                                                                             \
            for (int q = 0; q < NB; q++) bv[q] = *(const V *)(d + q * VL);                        \
            for (int r = 0; r < R; r++) {                                                         \
                const T a = x[ci[r]];                                                             \
                for (int q = 0; q < NB; q++) acc[r][q] += bv[q] * a;                              \
            }                                                                                     \
        }                                                                                         \
        for (int r = 0; r < rows; r++) {                                                          \
            T tmp[NB * VB / sizeof(T)];                                                           \
            memcpy(tmp, acc[r], sizeof tmp);                                                      \
            T *o = dw + r * lddw + o0;                                                            \
            for (idx i = 0; i < cols; i++) o[i] += tmp[i];                                        \
        }                                                                                         \
    }
FILTER_BLOCK(1)
FILTER_BLOCK(2)
FILTER_BLOCK(3)
#if NBMAX >= 4
FILTER_BLOCK(4)
#endif
#undef FILTER_BLOCK

static void NAME(gather)(int nb, idx red, int nseg, const int *segs, int kk, const T *const *ptrs, const T *B,
                         idx ldb, T *tile, idx tw, int fresh) {
    switch (nb) {
    case 1: NAME(gather_1)(red, nseg, segs, kk, ptrs, B, ldb, tile, tw, fresh); break;
    case 2: NAME(gather_2)(red, nseg, segs, kk, ptrs, B, ldb, tile, tw, fresh); break;
    case 3: NAME(gather_3)(red, nseg, segs, kk, ptrs, B, ldb, tile, tw, fresh); break;
#if NBMAX >= 4
    default: NAME(gather_4)(red, nseg, segs, kk, ptrs, B, ldb, tile, tw, fresh); break;
#endif
    }
}

static void NAME(filter)(int nb, idx np, const T *const *xp, idx c0, const T *const *dyp, idx o0, T *dw, idx lddw,
                         int rows, idx cols) {
    switch (nb) {
    case 1: NAME(filter_1)(np, xp, c0, dyp, o0, dw, lddw, rows, cols); break;
    case 2: NAME(filter_2)(np, xp, c0, dyp, o0, dw, lddw, rows, cols); break;
    case 3: NAME(filter_3)(np, xp, c0, dyp, o0, dw, lddw, rows, cols); break;
#if NBMAX >= 4
    default: NAME(filter_4)(np, xp, c0, dyp, o0, dw, lddw, rows, cols); break;
#endif
    }
}

/* Runs the gathered product over super-blocks of SB register blocks of R rows. row_ptrs(g, src, p,
 * ptrs, zero, order) fills one row's kk segment pointers (zero where the row reads padding) and
 * returns its output pixel. Within a super-block the segments go in chunks of about KCHUNK
 * reduction steps, each chunk over all its register blocks, so that chunk's rows of B stay in L1;
 * the accumulators wait in `tile` between chunks. A register block skips the segments none of its
 * rows reach. Where a segment holds fewer than PACK_BELOW channels, each row's segments are copied
 * into one contiguous row of kk*red instead, so the register block runs one long reduction. */
#define SB 8
#define KCHUNK 64
#define PACK_BELOW 32
typedef idx (*NAME(row_fn))(const Geo *g, const void *src, idx p, const T **ptrs, const T *zero, const idx *order);
/* pack(g, src, p0, rows, pack, ld, out): rows p0 ... packed directly (kk*red each, ld apart), their
 * output pixels to out. */
typedef void (*NAME(pack_fn))(const Geo *g, const T *src, idx p0, int rows, T *pack, idx ld, idx *out);

static int NAME(gathered)(const Geo *g, idx rows_total, idx red, idx cols_total, const T *src, const T *B,
                          T *dst, NAME(row_fn) row_ptrs, NAME(pack_fn) pack_rows, const idx *order) {
    const int kk = (int)(g->kh * g->kw);
    const idx ldb = (cols_total + VL - 1) / VL * VL, tw = NBMAX * VL;
    const int chunk = red >= KCHUNK ? 1 : (int)((KCHUNK + red - 1) / red);
    T *zero = calloc((size_t)red, sizeof(T));
    T *tile = malloc(sizeof(T) * (size_t)(SB * R * tw));
    const T **ptrs = malloc(sizeof(T *) * (size_t)(SB * R * kk));
    int *segs = malloc(sizeof(int) * (size_t)(SB * kk));
    idx *out = malloc(sizeof(idx) * SB * R);
    const int packed = red < PACK_BELOW;
    T *pack = packed ? malloc(sizeof(T) * (size_t)(SB * R * kk * red)) : NULL;
    const T *packp[SB * R];
    const int seg0 = 0;
    if (!zero || !tile || !ptrs || !segs || !out || (packed && !pack)) {
        free(zero), free(tile), free(ptrs), free(segs), free(out), free(pack);
        return 0;
    }
    for (idx p0 = 0; p0 < rows_total; p0 += SB * R) {
        const int rows = (int)(rows_total - p0 < SB * R ? rows_total - p0 : SB * R);
        const int blocks = (rows + R - 1) / R;
        if (packed && pack_rows) {
            pack_rows(g, src, p0, rows, pack, kk * red, out);
            for (int r = 0; r < blocks * R; r++) packp[r] = pack + (idx)(r < rows ? r : rows - 1) * kk * red;
        } else {
            for (int r = 0; r < blocks * R; r++) {
                if (r < rows) {
                    out[r] = row_ptrs(g, src, p0 + r, ptrs + r * kk, zero, order);
                } else {
                    for (int j = 0; j < kk; j++) ptrs[r * kk + j] = zero;
                }
            }
        }
        if (packed) {  /* few channels: each row's segments as one row of kk*red, one product */
            if (!pack_rows) {
                for (int r = 0; r < blocks * R; r++) {
                    T *row = pack + (idx)r * kk * red;
                    for (int j = 0; j < kk; j++) {
                        const T *from = ptrs[r * kk + j];
                        for (idx c = 0; c < red; c++) row[j * red + c] = from[c];  /* short: no memcpy call */
                    }
                    packp[r] = row;
                }
            }
            for (idx o0 = 0; o0 < cols_total; o0 += tw) {
                const idx left = ldb - o0;
                const int nb = (int)(left < tw ? left / VL : NBMAX);
                const idx cols = cols_total - o0 < nb * VL ? cols_total - o0 : nb * VL;
                for (int b = 0; b < blocks; b++)
                    NAME(gather)(nb, kk * red, 1, &seg0, 1, packp + b * R, B + o0, ldb, tile + b * R * tw, tw, 1);
                for (int r = 0; r < rows; r++) {
                    T *to = dst + out[r] * cols_total + o0;
                    const T *from = tile + r * tw;
                    for (idx c = 0; c < cols; c++) to[c] = from[c];
                }
            }
            continue;
        }
        for (int b = 0; b < blocks; b++) {  /* segs[b*kk ...]: the segments block b reaches, -1 after */
            int m = 0;
            for (int j = 0; j < kk; j++) {
                int any = 0;
                for (int r = b * R; r < (b + 1) * R; r++) any |= ptrs[r * kk + j] != zero;
                if (any) segs[b * kk + m++] = j;
            }
            if (m < kk) segs[b * kk + m] = -1;
        }
        for (idx o0 = 0; o0 < cols_total; o0 += tw) {
            const idx left = ldb - o0;
            const int nb = (int)(left < tw ? left / VL : NBMAX);
            const idx cols = cols_total - o0 < nb * VL ? cols_total - o0 : nb * VL;
            int pos[SB], fresh[SB];
            for (int b = 0; b < blocks; b++) pos[b] = 0, fresh[b] = 1;
            for (int k0 = 0; k0 < kk; k0 += chunk) {
                for (int b = 0; b < blocks; b++) {
                    const int *sb = segs + b * kk;
                    int last = pos[b];
                    while (last < kk && sb[last] >= 0 && sb[last] < k0 + chunk) last++;
                    if (last > pos[b] || (fresh[b] && k0 + chunk >= kk)) {
                        NAME(gather)(nb, red, last - pos[b], sb + pos[b], kk, ptrs + b * R * kk, B + o0, ldb,
                                     tile + b * R * tw, tw, fresh[b]);
                        fresh[b] = 0;
                    }
                    pos[b] = last;
                }
            }
            for (int r = 0; r < rows; r++) memcpy(dst + out[r] * cols_total + o0, tile + r * tw, sizeof(T) * (size_t)cols);
        }
    }
    free(zero), free(tile), free(ptrs), free(segs), free(out), free(pack);
    return 1;
}
#undef SB
#undef KCHUNK
#undef PACK_BELOW

/* Forward rows: output pixel p = (n, oh, ow) reads x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw, :]. */
static idx NAME(forward_row)(const Geo *g, const void *src, idx p, const T **ptrs, const T *zero, const idx *order) {
    const T *x = src;
    const idx per_image = g->oh * g->ow;
    const idx n = p / per_image, rem = p % per_image;
    const idx y0 = (rem / g->ow) * g->sh - g->pt, x0 = (rem % g->ow) * g->sw - g->pl;
    (void)order;
    for (idx i = 0; i < g->kh; i++) {
        const idx ih = y0 + i * g->dh;
        for (idx j = 0; j < g->kw; j++) {
            const idx iw = x0 + j * g->dw;
            const int inside = ih >= 0 && ih < g->h && iw >= 0 && iw < g->w;
            *ptrs++ = inside ? x + ((n * g->h + ih) * g->w + iw) * g->c : zero;
        }
    }
    return p;
}

/* Input-gradient rows: input pixel (n, ih, iw), taken in `order` (pixels of one stride phase
 * together, so a block's rows share the segments that reach them), gathers
 * dy[n, (ih + pt - kh*dh) / sh, (iw + pl - kw*dw) / sw, :] where that divides evenly and lies inside. */
static idx NAME(input_row)(const Geo *g, const void *src, idx p, const T **ptrs, const T *zero, const idx *order) {
    const T *dy = src;
    const idx per_image = g->h * g->w;
    const idx n = p / per_image, pix = order[p % per_image];
    const idx ih = pix / g->w, iw = pix % g->w;
    const int unit = g->sh == 1 && g->sw == 1;  /* no division by the strides */
    for (idx i = 0; i < g->kh; i++) {
        const idx a = ih + g->pt - i * g->dh;
        const idx oh = unit ? a : a / g->sh;
        const int row_ok = a >= 0 && (unit || a % g->sh == 0) && oh < g->oh;
        for (idx j = 0; j < g->kw; j++) {
            const idx b = iw + g->pl - j * g->dw;
            const idx ow = unit ? b : b / g->sw;
            const int ok = row_ok && b >= 0 && (unit || b % g->sw == 0) && ow < g->ow;
            *ptrs++ = ok ? dy + ((n * g->oh + oh) * g->ow + ow) * g->o : zero;
        }
    }
    return n * per_image + pix;
}

/* Forward rows packed directly: row p = (n, oh, ow) gets x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, :]
 * for each (i, j) in turn, zeros outside; a window row inside the input with dw == 1 is one copy. */
static void NAME(forward_pack)(const Geo *g, const T *x, idx p0, int rows, T *pack, idx ld, idx *out) {
    const idx per_image = g->oh * g->ow, c = g->c, span = g->kw * c;
    idx n = p0 / per_image, oh = (p0 % per_image) / g->ow, ow = p0 % g->ow;
    for (int r = 0; r < rows; r++) {
        T *row = pack + r * ld;
        const idx y0 = oh * g->sh - g->pt, x0 = ow * g->sw - g->pl;
        const int whole = x0 >= 0 && x0 + (g->kw - 1) * g->dw < g->w && g->dw == 1;
        for (idx i = 0; i < g->kh; i++, row += span) {
            const idx ih = y0 + i * g->dh;
            if (ih < 0 || ih >= g->h) {
                for (idx k = 0; k < span; k++) row[k] = 0;
                continue;
            }
            const T *line = x + (n * g->h + ih) * g->w * c;
            if (whole) {
                const T *from = line + x0 * c;
                for (idx k = 0; k < span; k++) row[k] = from[k];
                continue;
            }
            for (idx j = 0; j < g->kw; j++) {
                const idx iw = x0 + j * g->dw;
                T *to = row + j * c;
                if (iw < 0 || iw >= g->w) {
                    for (idx k = 0; k < c; k++) to[k] = 0;
                } else {
                    for (idx k = 0; k < c; k++) to[k] = line[iw * c + k];
                }
            }
        }
        out[r] = p0 + r;
        if (++ow == g->ow) {
            ow = 0;
            if (++oh == g->oh) oh = 0, n++;
        }
    }
}

/* Forward for one input channel and unit strides (a grayscale first layer): vectorized over output
 * columns instead of output channels. Each image is copied once into zero-padded rows, so the
 * inputs an output row's pixels read at window offset (i, j) are one run of a padded row, read in
 * place; y^T[o, ow] = sum over (i, j): w[i, j, 0, o] * run[i, j][ow] is a filter-gradient register
 * block (R output channels by vectors of columns), then transposed into y. */
static int NAME(conv_forward_single)(const Geo *g, const T *x, const T *w, T *y) {
    const idx kk = g->kh * g->kw, tw = NBMAX * VL, ldr = (g->ow + VL - 1) / VL * VL;
    const idx S = ldr + (g->kw - 1) * g->dw, HP = g->oh + (g->kh - 1) * g->dh;  /* padded row length, rows */
    T *img = malloc(sizeof(T) * (size_t)(HP * S));
    T *tile = malloc(sizeof(T) * (size_t)(g->o * tw));
    const T **wrows = malloc(sizeof(T *) * (size_t)kk), **rptr = malloc(sizeof(T *) * (size_t)kk);
    if (!img || !tile || !wrows || !rptr) {
        free(img), free(tile), free(wrows), free(rptr);
        return 0;
    }
    for (idx t = 0; t < kk; t++) wrows[t] = w + t * g->o;
    const idx copy = g->pl + g->w <= S ? g->w : S - g->pl;  /* columns of x a padded row holds */
    for (idx n = 0; n < g->n; n++) {
        for (idx r = 0; r < HP; r++) {
            T *row = img + r * S;
            const idx ih = r - g->pt;
            memset(row, 0, sizeof(T) * (size_t)S);
            if (ih >= 0 && ih < g->h && copy > 0)
                memcpy(row + g->pl, x + (n * g->h + ih) * g->w, sizeof(T) * (size_t)copy);
        }
        for (idx oh = 0; oh < g->oh; oh++) {
            for (idx i = 0; i < g->kh; i++)
                for (idx j = 0; j < g->kw; j++) rptr[i * g->kw + j] = img + (oh + i * g->dh) * S + j * g->dw;
            T *out = y + (n * g->oh + oh) * g->ow * g->o;
            for (idx v0 = 0; v0 < g->ow; v0 += tw) {
                const idx left = ldr - v0;
                const int nb = (int)(left < tw ? left / VL : NBMAX);
                const idx cols = g->ow - v0 < nb * VL ? g->ow - v0 : nb * VL;
                memset(tile, 0, sizeof(T) * (size_t)(g->o * tw));
                for (idx o0 = 0; o0 < g->o; o0 += R) {
                    const int rows = (int)(g->o - o0 < R ? g->o - o0 : R);
                    NAME(filter)(nb, kk, wrows, o0, rptr, v0, tile + o0 * tw, tw, rows, cols);
                }
                for (idx v = 0; v < cols; v++)
                    for (idx o = 0; o < g->o; o++) out[(v0 + v) * g->o + o] = tile[o * tw + v];
            }
        }
    }
    free(img), free(tile), free(wrows), free(rptr);
    return 1;
}

static int NAME(conv_forward)(const Geo *g, const T *x, const T *w, T *y) {
    if (g->c == 1 && g->sh == 1 && g->sw == 1 && g->o <= 4 * R) return NAME(conv_forward_single)(g, x, w, y);
    const idx kk = g->kh * g->kw, ldb = (g->o + VL - 1) / VL * VL;
    T *B = calloc((size_t)(kk * g->c * ldb), sizeof(T));  /* w as [kk*c][ldb], columns padded with zeros */
    if (!B) return 0;
    for (idx k = 0; k < kk * g->c; k++) memcpy(B + k * ldb, w + k * g->o, (size_t)g->o * sizeof(T));
    const int ok = NAME(gathered)(g, g->n * g->oh * g->ow, g->c, g->o, x, B, y, NAME(forward_row), NAME(forward_pack), NULL);
    free(B);
    return ok;
}

/* Input channels below which the input gradient is scattered rather than gathered. */
#define SCATTER_BELOW 32

/* The input gradient for few input channels, scattered: each output pixel's dy row times w^T gives
 * the gradient of its whole window, cols[p, (kh, kw, c)] = sum over o: dy[p, o] * w[kh, kw, c, o]
 * (register blocks of R pixels, one long vector row of kh*kw*c), added into dx where the window lies
 * inside the input. Gathering would fill only c of each vector's lanes. */
#define SB 8
static int NAME(conv_backprop_input_scatter)(const Geo *g, const T *dy, const T *w, T *dx) {
    const idx kc = g->kh * g->kw * g->c, ldb = (kc + VL - 1) / VL * VL, tw = NBMAX * VL, c = g->c;
    const idx total = g->n * g->oh * g->ow;
    T *B = calloc((size_t)(g->o * ldb), sizeof(T));  /* w^T: [o][ldb] */
    T *zero = calloc((size_t)g->o, sizeof(T));
    T *tile = malloc(sizeof(T) * (size_t)(SB * R * ldb));
    if (!B || !zero || !tile) {
        free(B), free(zero), free(tile);
        return 0;
    }
    for (idx k = 0; k < kc; k++)
        for (idx o = 0; o < g->o; o++) B[o * ldb + k] = w[k * g->o + o];
    memset(dx, 0, sizeof(T) * (size_t)(g->n * g->h * g->w * c));
    const T *ptrs[SB * R];
    idx pn[SB * R], py[SB * R], px[SB * R];
    const int seg0 = 0;
    idx n = 0, oh = 0, ow = 0;
    for (idx p0 = 0; p0 < total; p0 += SB * R) {
        const int rows = (int)(total - p0 < SB * R ? total - p0 : SB * R);
        const int blocks = (rows + R - 1) / R;
        for (int r = 0; r < blocks * R; r++) {
            if (r >= rows) {
                ptrs[r] = zero;
                continue;
            }
            ptrs[r] = dy + (p0 + r) * g->o;
            pn[r] = n, py[r] = oh * g->sh - g->pt, px[r] = ow * g->sw - g->pl;
            if (++ow == g->ow) {
                ow = 0;
                if (++oh == g->oh) oh = 0, n++;
            }
        }
        for (idx k0 = 0; k0 < kc; k0 += tw) {  /* the tile holds whole rows of kc (ldb apart) */
            const idx left = ldb - k0;
            const int nb = (int)(left < tw ? left / VL : NBMAX);
            for (int b = 0; b < blocks; b++)
                NAME(gather)(nb, g->o, 1, &seg0, 1, ptrs + b * R, B + k0, ldb, tile + b * R * ldb + k0, ldb, 1);
        }
        for (int r = 0; r < rows; r++) {
            const T *from = tile + r * ldb;
            const int whole = g->dw == 1 && px[r] >= 0 && px[r] + g->kw <= g->w;  /* window rows inside */
            for (idx i = 0; i < g->kh; i++, from += g->kw * c) {
                const idx ih = py[r] + i * g->dh;
                if (ih < 0 || ih >= g->h) continue;
                T *line = dx + (pn[r] * g->h + ih) * g->w * c;
                if (whole) {  /* kw*c contiguous elements of dx, one pass */
                    T *restrict to = line + px[r] * c;
                    for (idx k = 0; k < g->kw * c; k++) to[k] += from[k];
                    continue;
                }
                for (idx j = 0; j < g->kw; j++) {
                    const idx iw = px[r] + j * g->dw;
                    if (iw < 0 || iw >= g->w) continue;
                    for (idx k = 0; k < c; k++) line[iw * c + k] += from[j * c + k];
                }
            }
        }
    }
    free(B), free(zero), free(tile);
    return 1;
}
#undef SB

static int NAME(conv_backprop_input)(const Geo *g, const T *dy, const T *w, T *dx) {
    if (g->c < SCATTER_BELOW) return NAME(conv_backprop_input_scatter)(g, dy, w, dx);
    const idx kk = g->kh * g->kw, ldb = (g->c + VL - 1) / VL * VL, hw = g->h * g->w;
    T *B = calloc((size_t)(kk * g->o * ldb), sizeof(T));  /* w^T per segment: [kk][o][ldb] */
    idx *order = malloc(sizeof(idx) * (size_t)hw);
    if (!B || !order) {
        free(B), free(order);
        return 0;
    }
    for (idx k = 0; k < kk; k++)
        for (idx c = 0; c < g->c; c++)
            for (idx o = 0; o < g->o; o++) B[(k * g->o + o) * ldb + c] = w[(k * g->c + c) * g->o + o];
    idx m = 0;
    for (idx a = 0; a < g->sh; a++)
        for (idx b = 0; b < g->sw; b++)
            for (idx ih = a; ih < g->h; ih += g->sh)
                for (idx iw = b; iw < g->w; iw += g->sw) order[m++] = ih * g->w + iw;
    const int ok = NAME(gathered)(g, g->n * hw, g->o, g->c, dy, B, dx, NAME(input_row), NULL, order);
    free(B), free(order);
    return ok;
}

#undef SCATTER_BELOW

/* dw[kh, kw, c, o] = sum over output pixels p: x[pixel p reads at (kh, kw), c] * dy[p, o]: blocks of
 * PB pixels (their dy rows copied, padded to whole vectors). With many channels, for each segment the
 * pixels that read inside the input, then register blocks of R input channels by NBMAX vectors of o;
 * with fewer than PACK_BELOW channels and at most R outputs, each pixel's kk*c inputs copied into one
 * row (zeros for padding) and dw^T [o, kk*c] accumulated in one register block of the o rows. */
#define PB 128
#define PACK_BELOW 16
/* The filter gradient for one input channel and unit strides, on the same padded rows as
 * conv_forward_single: per output row, dw[i, j, 0, o] gets the lane-wise products of the run at (i, j)
 * and dy's column o (transposed, zeros past the row's end) added into one vector accumulator per
 * (i, j, o); the lanes are summed at the end. */
static int NAME(conv_backprop_filter_single)(const Geo *g, const T *x, const T *dy, T *dw) {
    const idx kk = g->kh * g->kw, ldr = (g->ow + VL - 1) / VL * VL;
    const idx S = ldr + (g->kw - 1) * g->dw, HP = g->oh + (g->kh - 1) * g->dh;
    T *img = malloc(sizeof(T) * (size_t)(HP * S));
    T *acc = calloc((size_t)(kk * g->o * ldr), sizeof(T));
    T *dyt = calloc((size_t)(g->o * ldr), sizeof(T));
    if (!img || !acc || !dyt) {
        free(img), free(acc), free(dyt);
        return 0;
    }
    const idx copy = g->pl + g->w <= S ? g->w : S - g->pl;
    for (idx n = 0; n < g->n; n++) {
        for (idx r = 0; r < HP; r++) {
            T *row = img + r * S;
            const idx ih = r - g->pt;
            memset(row, 0, sizeof(T) * (size_t)S);
            if (ih >= 0 && ih < g->h && copy > 0)
                memcpy(row + g->pl, x + (n * g->h + ih) * g->w, sizeof(T) * (size_t)copy);
        }
        for (idx oh = 0; oh < g->oh; oh++) {
            const T *d = dy + (n * g->oh + oh) * g->ow * g->o;
            for (idx v = 0; v < g->ow; v++)
                for (idx o = 0; o < g->o; o++) dyt[o * ldr + v] = d[v * g->o + o];
            for (idx i = 0; i < g->kh; i++)
                for (idx j = 0; j < g->kw; j++) {
                    const T *restrict run = img + (oh + i * g->dh) * S + j * g->dw;
                    for (idx o = 0; o < g->o; o++) {
                        T *restrict a = acc + ((i * g->kw + j) * g->o + o) * ldr;
                        const T *restrict col = dyt + o * ldr;
                        for (idx v = 0; v < ldr; v++) a[v] += run[v] * col[v];
                    }
                }
        }
    }
    for (idx t = 0; t < kk * g->o; t++) {
        T sum = 0;
        for (idx v = 0; v < ldr; v++) sum += acc[t * ldr + v];
        dw[t] = sum;
    }
    free(img), free(acc), free(dyt);
    return 1;
}

static int NAME(conv_backprop_filter)(const Geo *g, const T *x, const T *dy, T *dw) {
    /* The single-channel loop fills its vectors with output columns: with fewer than a vector's
     * worth (a text CNN's full-width filter leaves one column) most lanes would multiply zeros. */
    if (g->c == 1 && g->sh == 1 && g->sw == 1 && g->ow >= VL) return NAME(conv_backprop_filter_single)(g, x, dy, dw);
    const idx kk = g->kh * g->kw, ldo = (g->o + VL - 1) / VL * VL, total = g->n * g->oh * g->ow;
    const int packed = g->c < PACK_BELOW && g->o <= R;
    const idx kc = kk * g->c, ldk = (kc + VL - 1) / VL * VL;
    T *dyb = calloc((size_t)(PB * ldo), sizeof(T));
    T *pack = packed ? calloc((size_t)(PB * ldk), sizeof(T)) : NULL;
    T *dwt = packed ? calloc((size_t)(g->o * ldk), sizeof(T)) : NULL;  /* dw transposed: [o][kk*c] */
    const T **xp = malloc(sizeof(T *) * PB);
    const T **dyp = malloc(sizeof(T *) * PB);
    idx *base = malloc(sizeof(idx) * 3 * PB);  /* per pixel of the block: n, first input row, first column */
    if (!dyb || !xp || !dyp || !base || (packed && (!pack || !dwt))) {
        free(dyb), free(xp), free(dyp), free(base), free(pack), free(dwt);
        return 0;
    }
    memset(dw, 0, sizeof(T) * (size_t)(kc * g->o));
    const idx per_image = g->oh * g->ow;
    for (idx p0 = 0; p0 < total; p0 += PB) {
        const idx np = total - p0 < PB ? total - p0 : PB;
        for (idx k = 0; k < np && !packed; k++) {
            const idx p = p0 + k, rem = p % per_image;
            memcpy(dyb + k * ldo, dy + p * g->o, (size_t)g->o * sizeof(T));
            base[3 * k] = p / per_image;
            base[3 * k + 1] = (rem / g->ow) * g->sh - g->pt;
            base[3 * k + 2] = (rem % g->ow) * g->sw - g->pl;
        }
        if (packed) {  /* rows of kk*c inputs (ldk apart, zero padded); dy rows read in place */
            NAME(forward_pack)(g, x, p0, (int)np, pack, ldk, base);
            for (idx k = 0; k < np; k++) xp[k] = dy + (p0 + k) * g->o, dyp[k] = pack + k * ldk;
            /* dwt[o, kk*c] += dy[p, o] * pack[p, :]: register blocks of R output channels */
            for (idx o0 = 0; o0 < g->o; o0 += R) {
                const int rows = (int)(g->o - o0 < R ? g->o - o0 : R);
                for (idx k0 = 0; k0 < kc; k0 += NBMAX * VL) {
                    const idx left = ldk - k0;
                    const int nb = (int)(left < NBMAX * VL ? left / VL : NBMAX);
                    const idx cols = kc - k0 < nb * VL ? kc - k0 : nb * VL;
                    NAME(filter)(nb, np, xp, o0, dyp, k0, dwt + o0 * ldk, ldk, rows, cols);
                }
            }
            continue;
        }
        for (idx i = 0; i < g->kh; i++) {
            for (idx j = 0; j < g->kw; j++) {
                idx m = 0;
                for (idx k = 0; k < np; k++) {
                    const idx ih = base[3 * k + 1] + i * g->dh, iw = base[3 * k + 2] + j * g->dw;
                    if (ih < 0 || ih >= g->h || iw < 0 || iw >= g->w) continue;
                    xp[m] = x + ((base[3 * k] * g->h + ih) * g->w + iw) * g->c;
                    dyp[m++] = dyb + k * ldo;
                }
                if (!m) continue;
                T *dwk = dw + (i * g->kw + j) * g->c * g->o;
                for (idx c0 = 0; c0 < g->c; c0 += R) {
                    const int rows = (int)(g->c - c0 < R ? g->c - c0 : R);
                    for (idx o0 = 0; o0 < g->o; o0 += NBMAX * VL) {
                        const idx left = ldo - o0;
                        const int nb = (int)(left < NBMAX * VL ? left / VL : NBMAX);
                        const idx cols = g->o - o0 < nb * VL ? g->o - o0 : nb * VL;
                        NAME(filter)(nb, m, xp, c0, dyp, o0, dwk + c0 * g->o, g->o, rows, cols);
                    }
                }
            }
        }
    }
    if (packed)
        for (idx k = 0; k < kc; k++)
            for (idx o = 0; o < g->o; o++) dw[k * g->o + o] = dwt[o * ldk + k];
    free(dyb), free(xp), free(dyp), free(base), free(pack), free(dwt);
    return 1;
}
#undef PB
#undef PACK_BELOW

#include "_cpu_pool_body.h"
#include "_cpu_depthwise_body.h"

/* The entries of the Loops table take untyped buffers. */
static int NAME(conv_forward_any)(const Geo *g, const void *x, const void *w, void *y) {
    return NAME(conv_forward)(g, x, w, y);
}
static int NAME(conv_backprop_input_any)(const Geo *g, const void *dy, const void *w, void *dx) {
    return NAME(conv_backprop_input)(g, dy, w, dx);
}
static int NAME(conv_backprop_filter_any)(const Geo *g, const void *x, const void *dy, void *dw) {
    return NAME(conv_backprop_filter)(g, x, dy, dw);
}
static int NAME(depthwise_forward_any)(const Geo *g, const void *x, const void *w, void *y) {
    return NAME(depthwise_forward)(g, x, w, y);
}
static int NAME(depthwise_backprop_input_any)(const Geo *g, const void *dy, const void *w, void *dx) {
    return NAME(depthwise_backprop_input)(g, dy, w, dx);
}
static int NAME(depthwise_backprop_filter_any)(const Geo *g, const void *x, const void *dy, void *dw) {
    return NAME(depthwise_backprop_filter)(g, x, dy, dw);
}
static void NAME(max_pool_any)(const Geo *g, const void *x, void *y) { NAME(max_pool)(g, x, y); }
static void NAME(max_pool_grad_any)(const Geo *g, const void *x, const void *y, const void *grad, void *dx,
                                    void *scratch) {  /* scratch: int32[c] */
    NAME(max_pool_grad)(g, x, y, grad, dx, scratch);
}
static void NAME(avg_pool_any)(const Geo *g, const void *x, void *y) { NAME(avg_pool)(g, x, y); }
static void NAME(avg_pool_grad_any)(const Geo *g, const void *grad, void *dx, void *scratch) {
    NAME(avg_pool_grad)(g, grad, dx, scratch);
}

static const Loops NAME(loops) = {NAME(conv_forward_any), NAME(conv_backprop_input_any),
                                  NAME(conv_backprop_filter_any), NAME(max_pool_any), NAME(max_pool_grad_any),
                                  NAME(avg_pool_any), NAME(avg_pool_grad_any), NAME(depthwise_forward_any),
                                  NAME(depthwise_backprop_input_any), NAME(depthwise_backprop_filter_any)};

#undef V
#undef VL
