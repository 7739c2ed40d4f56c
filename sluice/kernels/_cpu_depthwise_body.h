/* The depthwise convolution loops of _cpu_conv.c for one element type, included by _cpu_conv_body.h
 * (which defines T and NAME). Input [n, h, w, c], filter [kh, kw, c, m], output [n, oh, ow, c*m]
 * (g->o == c*m): output channel c*m + j is input channel c times filter[., ., c, j]. Every loop
 * visits each output pixel's window offsets in row-major order, skipping those in the padding, with
 * the channels innermost (one vectorized pass per offset where m == 1). */

/* y[p, c*m + j] = sum over offsets inside: x[pixel p reads there, c] * w[offset, c, j] */
static int NAME(depthwise_forward)(const Geo *g, const T *x, const T *w, T *y) {
    const idx c = g->c, m = g->o / g->c, o = g->o;
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, y += o) {
                T *restrict out = y;
                for (idx k = 0; k < o; k++) out[k] = 0;
                for (idx i = 0; i < g->kh; i++) {
                    const idx ih = oh * g->sh - g->pt + i * g->dh;
                    if (ih < 0 || ih >= g->h) continue;
                    for (idx j = 0; j < g->kw; j++) {
                        const idx iw = ow * g->sw - g->pl + j * g->dw;
                        if (iw < 0 || iw >= g->w) continue;
                        const T *restrict v = x + ((n * g->h + ih) * g->w + iw) * c;
                        const T *restrict f = w + (i * g->kw + j) * o;
                        if (m == 1) {
                            for (idx k = 0; k < c; k++) out[k] += v[k] * f[k];
                        } else {
                            for (idx k = 0; k < c; k++)
                                for (idx q = 0; q < m; q++) out[k * m + q] += v[k] * f[k * m + q];
                        }
                    }
                }
            }
    return 1;
}

/* dx[pixel, c] += sum over j: dy[p, c*m + j] * w[offset, c, j], for each output pixel p and offset */
static int NAME(depthwise_backprop_input)(const Geo *g, const T *dy, const T *w, T *dx) {
    const idx c = g->c, m = g->o / g->c, o = g->o;
    memset(dx, 0, sizeof(T) * (size_t)(g->n * g->h * g->w * c));
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, dy += o) {
                const T *restrict grad = dy;
                for (idx i = 0; i < g->kh; i++) {
                    const idx ih = oh * g->sh - g->pt + i * g->dh;
                    if (ih < 0 || ih >= g->h) continue;
                    for (idx j = 0; j < g->kw; j++) {
                        const idx iw = ow * g->sw - g->pl + j * g->dw;
                        if (iw < 0 || iw >= g->w) continue;
                        T *restrict d = dx + ((n * g->h + ih) * g->w + iw) * c;
                        const T *restrict f = w + (i * g->kw + j) * o;
                        if (m == 1) {
                            for (idx k = 0; k < c; k++) d[k] += grad[k] * f[k];
                        } else {
                            for (idx k = 0; k < c; k++) {
                                T s = 0;
                                for (idx q = 0; q < m; q++) s += grad[k * m + q] * f[k * m + q];
                                d[k] += s;
                            }
                        }
                    }
                }
            }
    return 1;
}

/* dw[offset, c, j] = sum over output pixels p whose offset lies inside: x[that pixel, c] * dy[p, c*m + j] */
static int NAME(depthwise_backprop_filter)(const Geo *g, const T *x, const T *dy, T *dw) {
    const idx c = g->c, m = g->o / g->c, o = g->o;
    memset(dw, 0, sizeof(T) * (size_t)(g->kh * g->kw * o));
    for (idx n = 0; n < g->n; n++)
        for (idx oh = 0; oh < g->oh; oh++)
            for (idx ow = 0; ow < g->ow; ow++, dy += o) {
                const T *restrict grad = dy;
                for (idx i = 0; i < g->kh; i++) {
                    const idx ih = oh * g->sh - g->pt + i * g->dh;
                    if (ih < 0 || ih >= g->h) continue;
                    for (idx j = 0; j < g->kw; j++) {
                        const idx iw = ow * g->sw - g->pl + j * g->dw;
                        if (iw < 0 || iw >= g->w) continue;
                        const T *restrict v = x + ((n * g->h + ih) * g->w + iw) * c;
                        T *restrict f = dw + (i * g->kw + j) * o;
                        if (m == 1) {
                            for (idx k = 0; k < c; k++) f[k] += v[k] * grad[k];
                        } else {
                            for (idx k = 0; k < c; k++)
                                for (idx q = 0; q < m; q++) f[k * m + q] += v[k] * grad[k * m + q];
                        }
                    }
                }
            }
    return 1;
}
