/* oneDNN peers and reference. A peer is a conv_impl like any other, so the
 * harness validates and times it through the same path; it lives here and
 * not in impls/ because impls/ knows nothing of oneDNN. */
#include "onednn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "util.h"

static dnnl_engine_t engine;
static dnnl_stream_t stream;

static int ensure_engine(void) {
    if (engine) return 0;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return -1;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) return -1;
    return 0;
}

const char *onednn_version(void) {
    static char buf[32];
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
    return buf;
}

/* One convolution primitive with the memory objects it runs on. In the
 * blocked flavour, src/wei/dst live in oneDNN's chosen layouts and the
 * reorders to and from the canonical tensors are separate primitives. */
typedef struct onednn_conv {
    int blocked;
    dnnl_primitive_t conv;
    dnnl_memory_t src, wei, bias, dst;              /* what conv reads/writes */
    dnnl_memory_t user_src, user_dst;               /* canonical, blocked only */
    dnnl_primitive_t reorder_src, reorder_dst;      /* blocked only */
    void *src_buf, *wei_buf, *dst_buf;              /* blocked buffers we own */
} onednn_conv;

#define DNNL_TRY(call)                                   \
    do {                                                 \
        dnnl_status_t st_ = (call);                      \
        if (st_ != dnnl_success) { status = st_; goto fail; } \
    } while (0)

static void conv_free(onednn_conv *c) {
    if (!c) return;
    dnnl_memory_t mems[] = {c->src, c->wei, c->bias, c->dst, c->user_src, c->user_dst};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i]) dnnl_memory_destroy(mems[i]);
    if (c->conv) dnnl_primitive_destroy(c->conv);
    if (c->reorder_src) dnnl_primitive_destroy(c->reorder_src);
    if (c->reorder_dst) dnnl_primitive_destroy(c->reorder_dst);
    cb_free(c->src_buf);
    cb_free(c->wei_buf);
    cb_free(c->dst_buf);
    free(c);
}

static dnnl_status_t make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                  dnnl_primitive_t *out) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL);
    if (st != dnnl_success) return st;
    st = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    return st;
}

static dnnl_status_t run_reorder(dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    dnnl_status_t st = dnnl_primitive_execute(r, stream, 2, args);
    return st == dnnl_success ? dnnl_stream_wait(stream) : st;
}

/* Build the primitive for p. wei/bias are the canonical tensors; in the
 * blocked flavour the weights are reordered once, here (the prepare step). */
static int conv_create(const conv_problem *p, int blocked, const float *wei, const float *bias,
                       onednn_conv **out, char *err, size_t errlen) {
    dnnl_status_t status = dnnl_success;
    onednn_conv *c = calloc(1, sizeof *c);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t wei_reorder = NULL;
    dnnl_memory_t user_wei = NULL;
    if (!c || ensure_engine()) return cb_fail(err, errlen, "oneDNN: cannot create the CPU engine");
    c->blocked = blocked;

    const int g = p->groups, oh = conv_out_h(p), ow = conv_out_w(p);
    dnnl_dims_t src_dims = {p->n, p->c, p->h, p->w};
    dnnl_dims_t dst_dims = {p->n, p->k, oh, ow};
    dnnl_dims_t wei_dims = {g, p->k / g, p->c / g, p->r, p->s};
    dnnl_dims_t bias_dims = {p->k};
    dnnl_dims_t strides = {p->stride_h, p->stride_w};
    dnnl_dims_t dilates = {p->dil_h - 1, p->dil_w - 1}; /* oneDNN's are 0-based */
    dnnl_dims_t pad_l = {p->pad_t, p->pad_l}, pad_r = {p->pad_b, p->pad_r};
    /* groups == 1 uses 4-D oihw weights: some oneDNN kernels only take those. */
    const int wnd = g > 1 ? 5 : 4;
    const dnnl_dim_t *wdims = g > 1 ? wei_dims : wei_dims + 1;
    const dnnl_format_tag_t wtag_plain = g > 1 ? dnnl_goihw : dnnl_oihw;

    dnnl_memory_desc_t src_md, wei_md, dst_md, bias_md, usr_src_md, usr_wei_md, usr_dst_md;
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&usr_src_md, 4, src_dims, dnnl_f32, dnnl_nchw));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&usr_dst_md, 4, dst_dims, dnnl_f32, dnnl_nchw));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&usr_wei_md, wnd, wdims, dnnl_f32, wtag_plain));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x));
    if (blocked) {
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, dnnl_format_tag_any));
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, dnnl_format_tag_any));
        DNNL_TRY(dnnl_memory_desc_init_by_tag(&wei_md, wnd, wdims, dnnl_f32, dnnl_format_tag_any));
    } else {
        src_md = usr_src_md;
        dst_md = usr_dst_md;
        wei_md = usr_wei_md;
    }
    dnnl_convolution_desc_t cd;
    DNNL_TRY(dnnl_dilated_convolution_forward_desc_init(
        &cd, dnnl_forward_inference, blocked == 2 ? dnnl_convolution_winograd : dnnl_convolution_direct,
        &src_md, &wei_md,
        p->has_bias ? &bias_md : NULL, &dst_md, strides, dilates, pad_l, pad_r));
    DNNL_TRY(dnnl_primitive_desc_create(&pd, &cd, NULL, engine, NULL));
    DNNL_TRY(dnnl_primitive_create(&c->conv, pd));

    if (p->has_bias) DNNL_TRY(dnnl_memory_create(&c->bias, &bias_md, engine, (void *)bias));
    if (!blocked) {
        DNNL_TRY(dnnl_memory_create(&c->src, &usr_src_md, engine, DNNL_MEMORY_NONE));
        DNNL_TRY(dnnl_memory_create(&c->dst, &usr_dst_md, engine, DNNL_MEMORY_NONE));
        DNNL_TRY(dnnl_memory_create(&c->wei, &usr_wei_md, engine, (void *)wei));
    } else {
        const dnnl_memory_desc_t *bsrc = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
        const dnnl_memory_desc_t *bwei = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        const dnnl_memory_desc_t *bdst = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
        c->src_buf = cb_alloc(dnnl_memory_desc_get_size(bsrc));
        c->wei_buf = cb_alloc(dnnl_memory_desc_get_size(bwei));
        c->dst_buf = cb_alloc(dnnl_memory_desc_get_size(bdst));
        if (!c->src_buf || !c->wei_buf || !c->dst_buf) {
            conv_free(c);
            dnnl_primitive_desc_destroy(pd);
            return cb_fail(err, errlen, "oneDNN: out of memory for blocked buffers");
        }
        DNNL_TRY(dnnl_memory_create(&c->src, bsrc, engine, c->src_buf));
        DNNL_TRY(dnnl_memory_create(&c->wei, bwei, engine, c->wei_buf));
        DNNL_TRY(dnnl_memory_create(&c->dst, bdst, engine, c->dst_buf));
        DNNL_TRY(dnnl_memory_create(&c->user_src, &usr_src_md, engine, DNNL_MEMORY_NONE));
        DNNL_TRY(dnnl_memory_create(&c->user_dst, &usr_dst_md, engine, DNNL_MEMORY_NONE));
        DNNL_TRY(dnnl_memory_create(&user_wei, &usr_wei_md, engine, (void *)wei));
        DNNL_TRY(make_reorder(&usr_src_md, bsrc, &c->reorder_src));
        DNNL_TRY(make_reorder(bdst, &usr_dst_md, &c->reorder_dst));
        DNNL_TRY(make_reorder(&usr_wei_md, bwei, &wei_reorder));
        DNNL_TRY(run_reorder(wei_reorder, user_wei, c->wei));
    }
    if (wei_reorder) dnnl_primitive_destroy(wei_reorder);
    if (user_wei) dnnl_memory_destroy(user_wei);
    dnnl_primitive_desc_destroy(pd);
    *out = c;
    return 0;
fail:
    if (wei_reorder) dnnl_primitive_destroy(wei_reorder);
    if (user_wei) dnnl_memory_destroy(user_wei);
    if (pd) dnnl_primitive_desc_destroy(pd);
    conv_free(c);
    return cb_fail(err, errlen, "oneDNN: %s (status %d)",
                   status == dnnl_unimplemented ? "no implementation for this problem"
                                                : "primitive creation failed",
                   (int)status);
}

static dnnl_status_t conv_execute(onednn_conv *c) {
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, c->src}, {DNNL_ARG_WEIGHTS, c->wei},
                               {DNNL_ARG_DST, c->dst}, {DNNL_ARG_BIAS, c->bias}};
    dnnl_status_t st = dnnl_primitive_execute(c->conv, stream, c->bias ? 4 : 3, args);
    return st == dnnl_success ? dnnl_stream_wait(stream) : st;
}

int onednn_reference(const conv_problem *p, const float *src, const float *wei,
                     const float *bias, float *dst, char *err, size_t errlen) {
    onednn_conv *c;
    if (conv_create(p, 0, wei, bias, &c, err, errlen)) return -1;
    dnnl_memory_set_data_handle(c->src, (void *)src);
    dnnl_memory_set_data_handle(c->dst, dst);
    dnnl_status_t st = conv_execute(c);
    conv_free(c);
    return st == dnnl_success ? 0 : cb_fail(err, errlen, "oneDNN: execution failed (status %d)", (int)st);
}

/* --- the peers, through the common contract --- */

static int peer_prepare(conv_args *a, int blocked) {
    char err[256];
    onednn_conv *c;
    if (conv_create(a->p, blocked, a->wei, a->bias, &c, err, sizeof err)) {
        fprintf(stderr, "convbench: %s\n", err);
        return -1;
    }
    a->state = c;
    return 0;
}
static int plain_prepare(conv_args *a) { return peer_prepare(a, 0); }
static int blocked_prepare(conv_args *a) { return peer_prepare(a, 1); }
static int winograd_prepare(conv_args *a) { return peer_prepare(a, 2); } /* blocked, Winograd */

static void peer_release(void *state) { conv_free(state); }

static void plain_run(const conv_args *a) {
    onednn_conv *c = a->state;
    dnnl_memory_set_data_handle(c->src, (void *)a->src);
    dnnl_memory_set_data_handle(c->dst, a->dst);
    conv_execute(c);
}

static void blocked_layout_in(const conv_args *a) {
    onednn_conv *c = a->state;
    dnnl_memory_set_data_handle(c->user_src, (void *)a->src);
    run_reorder(c->reorder_src, c->user_src, c->src);
}
static void blocked_run(const conv_args *a) { conv_execute(a->state); }
static void blocked_layout_out(const conv_args *a) {
    onednn_conv *c = a->state;
    dnnl_memory_set_data_handle(c->user_dst, a->dst);
    run_reorder(c->reorder_dst, c->dst, c->user_dst);
}

const conv_impl onednn_plain_peer = {
    .name = "onednn",
    .summary = "peer: oneDNN on the plain NCHW/OIHW tensors (end to end)",
    .parallel = true,
    .tol = 2.0,
    .prepare = plain_prepare,
    .run = plain_run,
    .release = peer_release,
};

const conv_impl onednn_blocked_peer = {
    .name = "onednn_blocked",
    .summary = "peer: oneDNN on its preferred blocked layouts, kernel only",
    .parallel = true,
    .tol = 2.0,
    .prepare = blocked_prepare,
    .run = blocked_run,
    .release = peer_release,
    .layout_in = blocked_layout_in,
    .layout_out = blocked_layout_out,
    .kernel_only = true,
};

/* oneDNN's own Winograd (dnnl_convolution_winograd) on its preferred
 * layouts, kernel only like onednn_blocked. oneDNN 2.6 implements it only
 * for some shapes and only with avx512_core (jit_avx512_core_f32_wino_conv_*),
 * so whether it exists is asked of oneDNN: a primitive descriptor is made
 * and thrown away. */
static const char *winograd_unsupported(const conv_problem *p) {
    if (ensure_engine()) return "oneDNN: cannot create the CPU engine";
    const int oh = conv_out_h(p), ow = conv_out_w(p);
    dnnl_dims_t src_dims = {p->n, p->c, p->h, p->w}, dst_dims = {p->n, p->k, oh, ow};
    dnnl_dims_t wei_dims = {p->groups, p->k / p->groups, p->c / p->groups, p->r, p->s};
    dnnl_dims_t bias_dims = {p->k}, strides = {p->stride_h, p->stride_w};
    dnnl_dims_t dilates = {p->dil_h - 1, p->dil_w - 1};
    dnnl_dims_t pad_l = {p->pad_t, p->pad_l}, pad_r = {p->pad_b, p->pad_r};
    const int wnd = p->groups > 1 ? 5 : 4;
    dnnl_memory_desc_t src_md, wei_md, dst_md, bias_md;
    dnnl_convolution_desc_t cd;
    dnnl_primitive_desc_t pd = NULL;
    if (oh <= 0 || ow <= 0 ||
        dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&wei_md, wnd, p->groups > 1 ? wei_dims : wei_dims + 1, dnnl_f32,
                                     dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x) ||
        dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_winograd,
                                                   &src_md, &wei_md, p->has_bias ? &bias_md : NULL,
                                                   &dst_md, strides, dilates, pad_l, pad_r) ||
        dnnl_primitive_desc_create(&pd, &cd, NULL, engine, NULL) != dnnl_success)
        return "oneDNN has no Winograd for this problem on this CPU";
    dnnl_primitive_desc_destroy(pd);
    return NULL;
}

const conv_impl onednn_winograd_peer = {
    .name = "onednn_winograd",
    .summary = "peer: oneDNN's Winograd on its preferred blocked layouts, kernel only",
    .parallel = true,
    .approximate = true,
    .tol = 8.0,
    .unsupported = winograd_unsupported,
    .prepare = winograd_prepare,
    .run = blocked_run,
    .release = peer_release,
    .layout_in = blocked_layout_in,
    .layout_out = blocked_layout_out,
    .kernel_only = true,
};
