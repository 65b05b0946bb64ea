/* oneDNN benchdnn convolution descriptors (see desc.h).
 *
 * The grammar and defaults are benchdnn's (oneDNN v2.x,
 * tests/benchdnn/conv/conv_aux.cpp str2desc and doc/knobs_desc.md):
 *
 *   entries  g mb ic ih iw oc oh ow kh kw sh sw ph pw dh dw, each followed by a
 *            non-negative integer, in any order; '_' between entries is
 *            ignored; n"NAME" (or nNAME) ends the descriptor and names it.
 *   defaults g1, mb2, sh/sw 1, dh/dw 0 (dilation is 0-based: dh1 = dilation 2).
 *   square   the w entries are all-or-none, as in benchdnn: when none is given
 *            the whole h tuple (ih, oh, kh, sh, ph, dh) is copied to w; when
 *            any is given, iw and kw are required and the rest default
 *            (sw1, dw0, pw/ow derived). Only w entries (no h) is a 1-D
 *            problem: ih = kh = oh = 1.
 *   output   without oh: ph defaults to 0 and oh = (ih - ext + 2*ph)/sh + 1,
 *            ext = (kh-1)*(dh+1)+1.
 *   padding  with oh but no ph: ph = total/2 and the bottom pad is the rest,
 *            total = (oh-1)*sh - ih + ext (benchdnn's compute_pad/opp_pad),
 *            so oh can ask for asymmetric ("same") padding; a derived
 *            pad the kernel cannot reach (> ext-1) is taken for a typo.
 *            With oh and ph: the bottom pad is ph when that gives oh (the
 *            symmetric reading), else benchdnn's opp_pad = total - ph; a
 *            bottom pad that is negative, or larger than both ph and ext-1,
 *            means oh does not match and is an error.
 *   3-D      any of id, od, kd, dd, sd != 1, pd >= 1 is a 3-D problem
 *            (benchdnn's rule) and is rejected.
 *
 * One deliberate difference: benchdnn always sets the bottom pad to the least
 * that gives oh (opp_pad), so its ResNet conv1 (ih224 kh7 sh2 ph3) gets 3 above
 * and 2 below; here it is 3 and 3, as the YAML mapping {pad: 3} says. The
 * extra row is never read (the last window ends before it), so the
 * convolution, its output size and its flops are the same.
 *
 * desc_format writes g (when > 1), mb, ic, ih, oc, oh, kh always, and the w
 * entries when the problem is not square (all of them, as benchdnn prints);
 * sh/sw, dh/dw when not default; ph/pw when non-zero or oh alone does not
 * derive them; and it checks its choices by parsing them back.
 * convbench extensions, written by desc_format only where benchdnn's grammar
 * cannot say it: pb / pr (explicit bottom / right padding) and bias1. */
#include "desc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Upper bound for every size, so that sums and products stay in range. */
#define DESC_MAX 16777216LL

enum {
    E_G, E_MB, E_IC, E_OC,
    E_IH, E_OH, E_KH, E_SH, E_PH, E_PB, E_DH,
    E_IW, E_OW, E_KW, E_SW, E_PW, E_PR, E_DW,
    E_ID, E_OD, E_KD, E_SD, E_PD, E_DD,
    E_BIAS,
    E_COUNT
};
static const char *const entry_name[E_COUNT] = {
    "g", "mb", "ic", "oc",
    "ih", "oh", "kh", "sh", "ph", "pb", "dh",
    "iw", "ow", "kw", "sw", "pw", "pr", "dw",
    "id", "od", "kd", "sd", "pd", "dd",
    "bias",
};

typedef struct {
    long long v[E_COUNT];
    bool given[E_COUNT];
} entries;

/* One spatial dimension being resolved; names are for messages. */
typedef struct {
    long long i, o, k, s, p, pb, d0; /* d0: 0-based dilation */
    bool o_given, p_given, pb_given;
    const char *ni, *no, *nk, *ns, *np, *npb, *nd;
} dim;

static long long ext_of(const dim *x) { return (x->k - 1) * (x->d0 + 1) + 1; }

/* floor((a)/s) + 1 for a >= 0, else 0 (no output). */
static long long out_of(long long span, long long s) { return span < 0 ? 0 : span / s + 1; }

static int dim_mismatch(const dim *x, char *err, size_t errlen) {
    long long sym = out_of(x->i + 2 * x->p - ext_of(x), x->s);
    char dil[40] = "";
    if (x->d0) snprintf(dil, sizeof dil, ", %s%lld", x->nd, x->d0);
    if (sym > 0)
        return cb_fail(err, errlen,
                       "%s%lld does not match %s%lld, %s%lld, %s%lld, %s%lld%s: expected %lld;"
                       " fix %s or drop it to derive it",
                       x->no, x->o, x->ni, x->i, x->nk, x->k, x->ns, x->s, x->np, x->p, dil,
                       sym, x->no);
    return cb_fail(err, errlen,
                   "%s%lld does not match %s%lld, %s%lld, %s%lld, %s%lld%s: they give no output;"
                   " fix the sizes",
                   x->no, x->o, x->ni, x->i, x->nk, x->k, x->ns, x->s, x->np, x->p, dil);
}

/* benchdnn's output / padding derivation for one dimension (see the top). */
static int dim_resolve(dim *x, char *err, size_t errlen) {
    if (x->i < 1)
        return cb_fail(err, errlen, "%s%lld: the input size must be >= 1; give %s1 or more",
                       x->ni, x->i, x->ni);
    if (x->k < 1)
        return cb_fail(err, errlen, "%s%lld: the kernel size must be >= 1; give %s1 or more",
                       x->nk, x->k, x->nk);
    if (x->s < 1)
        return cb_fail(err, errlen, "%s%lld: the stride must be >= 1; give %s1 or more",
                       x->ns, x->s, x->ns);
    if (x->o_given && x->o < 1)
        return cb_fail(err, errlen, "%s%lld: the output size must be >= 1; fix it or drop %s",
                       x->no, x->o, x->no);
    const long long ext = ext_of(x);
    const long long total = (x->o - 1) * x->s - x->i + ext; /* pads the given o needs */

    if (!x->o_given) {
        if (!x->p_given) x->p = 0;
        if (!x->pb_given) x->pb = x->p;
        long long span = x->i + x->p + x->pb - ext;
        if (span < 0) {
            char dil[40] = "";
            if (x->d0) snprintf(dil, sizeof dil, ", %s%lld", x->nd, x->d0);
            return cb_fail(err, errlen,
                           "%s%lld, %s%lld%s give no output: the kernel spans %lld but the"
                           " padded input only %lld; make %s larger, the kernel smaller or pad more",
                           x->ni, x->i, x->nk, x->k, dil, ext, x->i + x->p + x->pb, x->ni);
        }
        x->o = span / x->s + 1;
        return 0;
    }
    if (x->pb_given) {
        if (!x->p_given) {
            x->p = total - x->pb;
            if (x->p < 0) x->p = 0;
        }
        if (out_of(x->i + x->p + x->pb - ext, x->s) != x->o)
            return cb_fail(err, errlen,
                           "%s%lld does not match %s%lld, %s%lld, %s%lld, %s%lld, %s%lld: expected %lld;"
                           " fix %s or drop it to derive it",
                           x->no, x->o, x->ni, x->i, x->nk, x->k, x->ns, x->s, x->np, x->p,
                           x->npb, x->pb, out_of(x->i + x->p + x->pb - ext, x->s), x->no);
        return 0;
    }
    if (!x->p_given) {
        if (total < 0) {
            /* oh asks for less than no padding gives: fine while the unused
             * tail rows are fewer than a stride (benchdnn would give a
             * negative bottom pad here; 0 is the same convolution). */
            if (out_of(x->i - ext, x->s) != x->o) {
                x->p = 0;
                return dim_mismatch(x, err, errlen);
            }
            x->p = x->pb = 0;
            return 0;
        }
        x->p = total / 2;
        x->pb = total - x->p;
        if (x->pb > ext - 1)
            return cb_fail(err, errlen,
                           "%s%lld needs padding %lld before and %lld after %s%lld with"
                           " %s%lld, %s%lld, more than the kernel reaches (%lld); fix %s, or give"
                           " %s to mean that padding",
                           x->no, x->o, x->p, x->pb, x->ni, x->i, x->nk, x->k, x->ns, x->s,
                           ext - 1, x->no, x->np);
        return 0;
    }
    /* ph and oh both given */
    if (out_of(x->i + 2 * x->p - ext, x->s) == x->o) {
        x->pb = x->p;
        return 0;
    }
    x->pb = total - x->p;
    if (x->pb < 0 && out_of(x->i + x->p - ext, x->s) == x->o) x->pb = 0;
    if (x->pb < 0 || (x->pb > x->p && x->pb > ext - 1)) return dim_mismatch(x, err, errlen);
    return 0;
}

static void set_names(dim *x, bool h) {
    x->ni = h ? "ih" : "iw";
    x->no = h ? "oh" : "ow";
    x->nk = h ? "kh" : "kw";
    x->ns = h ? "sh" : "sw";
    x->np = h ? "ph" : "pw";
    x->npb = h ? "pb" : "pr";
    x->nd = h ? "dh" : "dw";
}

/* Fill a dim from the entries of one side (h: base E_IH, w: base E_IW). */
static void dim_from(dim *x, const entries *e, bool h) {
    int b = h ? E_IH : E_IW;
    memset(x, 0, sizeof *x);
    set_names(x, h);
    x->i = e->v[b + 0];
    x->o = e->v[b + 1];
    x->o_given = e->given[b + 1];
    x->k = e->v[b + 2];
    x->s = e->given[b + 3] ? e->v[b + 3] : 1;
    x->p = e->v[b + 4];
    x->p_given = e->given[b + 4];
    x->pb = e->v[b + 5];
    x->pb_given = e->given[b + 5];
    x->d0 = e->v[b + 6];
}

/* benchdnn: a side is used when any of i, k, o, d is given, s != 1 or p >= 1
 * (plus, here, the pb/pr extension). */
static bool side_used(const entries *e, bool h) {
    int b = h ? E_IH : E_IW;
    return e->given[b + 0] || e->given[b + 1] || e->given[b + 2] || e->given[b + 6] ||
           e->given[b + 5] || (e->given[b + 3] && e->v[b + 3] != 1) ||
           (e->given[b + 4] && e->v[b + 4] >= 1);
}

static const char *known_entries =
    "g, mb, ic, ih, iw, oc, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, n\"NAME\"";

int desc_parse(const char *str, conv_problem *p, char *name, size_t namelen, char *err,
               size_t errlen) {
    entries e;
    memset(&e, 0, sizeof e);
    if (name && namelen) name[0] = '\0';
    if (!str) return cb_fail(err, errlen, "no descriptor; give one such as mb1ic64ih56oc64kh3ph1");

    /* trim surrounding white space */
    while (isspace((unsigned char)*str)) str++;
    size_t len = strlen(str);
    while (len && isspace((unsigned char)str[len - 1])) len--;
    if (len == 0)
        return cb_fail(err, errlen, "empty descriptor; give one such as mb1ic64ih56oc64kh3ph1");

    const char *s = str, *end = str + len;
    while (s < end) {
        if (*s == '_') {
            s++;
            continue;
        }
        if (*s == 'n') { /* the name: the rest of the string */
            const char *nb = s + 1, *ne = end;
            if (nb < end && *nb == '"') {
                const char *q = memchr(nb + 1, '"', (size_t)(end - nb - 1));
                if (!q)
                    return cb_fail(err, errlen,
                                   "name %.*s has no closing quote; write n\"NAME\"",
                                   (int)(end - s), s);
                if (q + 1 != end)
                    return cb_fail(err, errlen,
                                   "text after the name's closing quote: '%.*s'; the name ends"
                                   " the descriptor",
                                   (int)(end - q - 1), q + 1);
                nb++;
                ne = q;
            }
            size_t nl = (size_t)(ne - nb);
            if (name && namelen) {
                if (nl >= namelen)
                    return cb_fail(err, errlen, "name '%.*s' is longer than %zu characters;"
                                   " shorten it", (int)nl, nb, namelen - 1);
                memcpy(name, nb, nl);
                name[nl] = '\0';
            }
            break;
        }
        const char *kb = s;
        while (s < end && islower((unsigned char)*s) && *s != 'n') s++;
        /* no entry name contains 'n', so an 'n' always starts the name */
        size_t kl = (size_t)(s - kb);
        int key = -1;
        for (int i = 0; i < E_COUNT && kl; i++)
            if (strlen(entry_name[i]) == kl && !strncmp(entry_name[i], kb, kl)) key = i;
        if (key < 0) {
            if (kl == 0) {
                if (isdigit((unsigned char)*s) || *s == '-')
                    return cb_fail(err, errlen,
                                   "number '%.*s' at position %d has no entry letter before it;"
                                   " write e.g. ic64",
                                   (int)strspn(s, "-0123456789"), s, (int)(s - str) + 1);
                return cb_fail(err, errlen,
                               "unexpected '%c' at position %d; entries are %s", *s,
                               (int)(s - str) + 1, known_entries);
            }
            return cb_fail(err, errlen, "unknown entry '%.*s' at position %d; entries are %s",
                           (int)kl, kb, (int)(kb - str) + 1, known_entries);
        }
        if (s < end && *s == '-')
            return cb_fail(err, errlen, "%s: negative value; sizes are >= 0",
                           entry_name[key]);
        if (s >= end || !isdigit((unsigned char)*s))
            return cb_fail(err, errlen, "%s has no number after it; write e.g. %s1",
                           entry_name[key], entry_name[key]);
        long long v = 0;
        while (s < end && isdigit((unsigned char)*s)) {
            v = v * 10 + (*s - '0');
            if (v > DESC_MAX)
                return cb_fail(err, errlen, "%s: value is larger than %lld; use a smaller one",
                               entry_name[key], DESC_MAX);
            s++;
        }
        if (e.given[key])
            return cb_fail(err, errlen, "%s given twice (%s%lld and %s%lld); keep one",
                           entry_name[key], entry_name[key], e.v[key], entry_name[key], v);
        e.given[key] = true;
        e.v[key] = v;
    }

    /* 3-D, exactly benchdnn's test */
    {
        static const int dk[] = {E_ID, E_OD, E_KD, E_DD};
        for (int i = 0; i < 4; i++)
            if (e.given[dk[i]])
                return cb_fail(err, errlen,
                               "%s%lld: 3-D convolutions are not supported; convbench runs 2-D"
                               " problems only (drop id, od, kd, sd, pd, dd)",
                               entry_name[dk[i]], e.v[dk[i]]);
        if (e.given[E_SD] && e.v[E_SD] != 1)
            return cb_fail(err, errlen,
                           "sd%lld: 3-D convolutions are not supported; convbench runs 2-D"
                           " problems only (drop id, od, kd, sd, pd, dd)", e.v[E_SD]);
        if (e.given[E_PD] && e.v[E_PD] >= 1)
            return cb_fail(err, errlen,
                           "pd%lld: 3-D convolutions are not supported; convbench runs 2-D"
                           " problems only (drop id, od, kd, sd, pd, dd)", e.v[E_PD]);
    }
    if (e.given[E_BIAS] && e.v[E_BIAS] > 1)
        return cb_fail(err, errlen, "bias%lld: bias is 0 or 1", e.v[E_BIAS]);
    if (!e.given[E_IC])
        return cb_fail(err, errlen, "ic is missing; give the input channels, e.g. ic64");
    if (!e.given[E_OC])
        return cb_fail(err, errlen, "oc is missing; give the output channels, e.g. oc64");

    bool hu = side_used(&e, true), wu = side_used(&e, false);
    if (!hu && !wu)
        return cb_fail(err, errlen, "no spatial sizes; give ih and kh (iw and kw default to them)");
    dim dh, dw;
    if (hu) {
        if (!e.given[E_IH])
            return cb_fail(err, errlen, "ih is missing; give the input height, e.g. ih56");
        if (!e.given[E_KH])
            return cb_fail(err, errlen, "kh is missing; give the kernel height, e.g. kh3");
        dim_from(&dh, &e, true);
        if (dim_resolve(&dh, err, errlen)) return -1;
    }
    if (wu) {
        const char *why = hu ? "the w entries are all-or-none as in benchdnn; give iw and kw,"
                               " or drop the w entries to copy the h ones"
                             : "a problem with only w entries is 1-D (height 1)";
        if (!e.given[E_IW])
            return cb_fail(err, errlen, "iw is missing; %s", why);
        if (!e.given[E_KW])
            return cb_fail(err, errlen, "kw is missing; %s", why);
        dim_from(&dw, &e, false);
        if (dim_resolve(&dw, err, errlen)) return -1;
    }
    if (hu && !wu) {
        dw = dh;
        set_names(&dw, false);
    } else if (!hu) { /* 1-D: benchdnn's defaults for the missing side */
        memset(&dh, 0, sizeof dh);
        set_names(&dh, true);
        dh.i = dh.o = dh.k = dh.s = 1;
    }

    conv_problem q;
    memset(&q, 0, sizeof q);
    q.n = (int)(e.given[E_MB] ? e.v[E_MB] : 2);
    q.groups = (int)(e.given[E_G] ? e.v[E_G] : 1);
    q.c = (int)e.v[E_IC];
    q.k = (int)e.v[E_OC];
    q.h = (int)dh.i;
    q.w = (int)dw.i;
    q.r = (int)dh.k;
    q.s = (int)dw.k;
    q.stride_h = (int)dh.s;
    q.stride_w = (int)dw.s;
    q.pad_t = (int)dh.p;
    q.pad_b = (int)dh.pb;
    q.pad_l = (int)dw.p;
    q.pad_r = (int)dw.pb;
    q.dil_h = (int)dh.d0 + 1;
    q.dil_w = (int)dw.d0 + 1;
    q.has_bias = e.given[E_BIAS] && e.v[E_BIAS] == 1;
    if (e.given[E_G] && e.v[E_G] < 1)
        return cb_fail(err, errlen, "g0: groups must be >= 1; drop g or give g1 or more");
    if (e.given[E_MB] && e.v[E_MB] < 1)
        return cb_fail(err, errlen, "mb0: the minibatch must be >= 1; give mb1 or more");
    if (q.c < 1) return cb_fail(err, errlen, "ic0: input channels must be >= 1");
    if (q.k < 1) return cb_fail(err, errlen, "oc0: output channels must be >= 1");
    if (q.c % q.groups)
        return cb_fail(err, errlen, "g%d does not divide ic%d; use a divisor of both ic and oc",
                       q.groups, q.c);
    if (q.k % q.groups)
        return cb_fail(err, errlen, "g%d does not divide oc%d; use a divisor of both ic and oc",
                       q.groups, q.k);
    if (problem_check(&q, err, errlen)) return -1;
    /* the derived sizes must be what conv.h computes */
    if (conv_out_h(&q) != dh.o || conv_out_w(&q) != dw.o)
        return cb_fail(err, errlen, "internal: derived output %lldx%lld but conv.h gives %dx%d",
                       dh.o, dw.o, conv_out_h(&q), conv_out_w(&q));
    *p = q;
    return 0;
}

/* ---- formatting ---- */

typedef struct {
    char *o;
    size_t n, len;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
    if (!b->n) return;
    size_t room = b->len < b->n ? b->n - b->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(b->o + (b->len < b->n ? b->len : b->n - 1), room ? room : 1, fmt, ap);
    va_end(ap);
    if (w > 0) b->len += (size_t)w;
}

/* How much of the padding must be written for dim_resolve (with the output
 * given) to give back exactly (pt, pb): 0 nothing, 1 ph, 2 ph + pb. A
 * non-zero top pad is always written (benchdnn writes ph too), so level 0
 * is only used for pt == 0 that the output derives. */
static int pad_level(long long i, long long o, long long k, long long s, long long d0,
                     long long pt, long long pb) {
    for (int lvl = pt ? 1 : 0; lvl < 2; lvl++) {
        dim x;
        memset(&x, 0, sizeof x);
        set_names(&x, true);
        x.i = i, x.o = o, x.k = k, x.s = s, x.d0 = d0;
        x.o_given = true;
        x.p_given = lvl >= 1;
        x.p = pt;
        char e[8];
        if (dim_resolve(&x, e, sizeof e) == 0 && x.p == pt && x.pb == pb) return lvl;
    }
    return 2;
}

void desc_format(const conv_problem *p, const char *name, char *out, size_t outlen) {
    sbuf b = {out, outlen, 0};
    if (outlen) out[0] = '\0';
    const int oh = conv_out_h(p), ow = conv_out_w(p);
    const bool square = p->h == p->w && p->r == p->s && p->stride_h == p->stride_w &&
                        p->pad_t == p->pad_l && p->pad_b == p->pad_r && p->dil_h == p->dil_w;
    const bool h_trivial = p->h == 1 && p->r == 1 && p->stride_h == 1 && p->pad_t == 0 &&
                           p->pad_b == 0 && p->dil_h == 1;
    const bool ph_ = square || !h_trivial; /* print the h side */
    const bool pw_ = !square;              /* print the w side */

    if (p->groups != 1) put(&b, "g%d", p->groups);
    put(&b, "mb%d", p->n);
    put(&b, "ic%d", p->c);
    if (ph_) put(&b, "ih%d", p->h);
    if (pw_) put(&b, "iw%d", p->w);
    put(&b, "oc%d", p->k);
    if (ph_) put(&b, "oh%d", oh);
    if (pw_) put(&b, "ow%d", ow);
    if (ph_) put(&b, "kh%d", p->r);
    if (pw_) put(&b, "kw%d", p->s);
    bool any_s = (ph_ && p->stride_h != 1) || (pw_ && p->stride_w != 1);
    if (any_s && ph_) put(&b, "sh%d", p->stride_h);
    if (any_s && pw_) put(&b, "sw%d", p->stride_w);
    int lh = ph_ ? pad_level(p->h, oh, p->r, p->stride_h, p->dil_h - 1, p->pad_t, p->pad_b) : 0;
    int lw = pw_ ? pad_level(p->w, ow, p->s, p->stride_w, p->dil_w - 1, p->pad_l, p->pad_r) : 0;
    if (lh >= 1) put(&b, "ph%d", p->pad_t);
    if (lw >= 1) put(&b, "pw%d", p->pad_l);
    if (lh == 2) put(&b, "pb%d", p->pad_b);
    if (lw == 2) put(&b, "pr%d", p->pad_r);
    bool any_d = (ph_ && p->dil_h != 1) || (pw_ && p->dil_w != 1);
    if (any_d && ph_) put(&b, "dh%d", p->dil_h - 1);
    if (any_d && pw_) put(&b, "dw%d", p->dil_w - 1);
    if (p->has_bias) put(&b, "bias1");
    if (name && *name) {
        if (strchr(name, '"'))
            put(&b, "n%s", name);
        else
            put(&b, "n\"%s\"", name);
    }
}

/* ---- checks ---- */

int problem_check(const conv_problem *p, char *err, size_t errlen) {
    struct {
        const char *field, *what;
        int v, min;
    } f[] = {
        {"n", "batch size", p->n, 1},
        {"c", "input channel count", p->c, 1},
        {"h", "input height", p->h, 1},
        {"w", "input width", p->w, 1},
        {"k", "output channel count", p->k, 1},
        {"r", "kernel height", p->r, 1},
        {"s", "kernel width", p->s, 1},
        {"stride", "stride (height)", p->stride_h, 1},
        {"stride", "stride (width)", p->stride_w, 1},
        {"dilation", "dilation (height)", p->dil_h, 1},
        {"dilation", "dilation (width)", p->dil_w, 1},
        {"pad", "top padding", p->pad_t, 0},
        {"pad", "left padding", p->pad_l, 0},
        {"pad", "bottom padding", p->pad_b, 0},
        {"pad", "right padding", p->pad_r, 0},
        {"groups", "group count", p->groups, 1},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].v < f[i].min)
            return cb_fail(err, errlen, "%s: the %s is %d; give %d or more", f[i].field,
                           f[i].what, f[i].v, f[i].min);
        if (f[i].v > DESC_MAX)
            return cb_fail(err, errlen, "%s: the %s is %d; give at most %lld", f[i].field,
                           f[i].what, f[i].v, DESC_MAX);
    }
    if (p->c % p->groups)
        return cb_fail(err, errlen, "groups: %d does not divide c=%d; use a divisor of both c and k",
                       p->groups, p->c);
    if (p->k % p->groups)
        return cb_fail(err, errlen, "groups: %d does not divide k=%d; use a divisor of both c and k",
                       p->groups, p->k);
    long long eh = (long long)(p->r - 1) * p->dil_h + 1, ew = (long long)(p->s - 1) * p->dil_w + 1;
    long long sh = (long long)p->h + p->pad_t + p->pad_b - eh;
    long long sw = (long long)p->w + p->pad_l + p->pad_r - ew;
    if (sh < 0 || sw < 0) {
        char dil[64] = "";
        if (p->dil_h > 1 || p->dil_w > 1) snprintf(dil, sizeof dil, " (%lldx%lld dilated)", eh, ew);
        return cb_fail(err, errlen,
                       "output: empty; the %dx%d kernel%s does not fit the %dx%d input padded to"
                       " %lldx%lld; make the input larger, the kernel or dilation smaller, or pad"
                       " more",
                       p->r, p->s, dil, p->h, p->w, (long long)p->h + p->pad_t + p->pad_b,
                       (long long)p->w + p->pad_l + p->pad_r);
    }
    return 0;
}
