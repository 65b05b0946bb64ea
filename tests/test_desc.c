/* benchdnn descriptor parsing, formatting and problem checks (harness/desc.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conv.h"
#include "desc.h"
#include "util.h"

static conv_problem P;
static char NAME[96], ERR[512];

static bool parse(const char *s) {
    memset(&P, 0x55, sizeof P);
    ERR[0] = '\0';
    return desc_parse(s, &P, NAME, sizeof NAME, ERR, sizeof ERR) == 0;
}

/* The message of a failing parse contains want (and the parse fails). */
static void bad(const char *s, const char *want) {
    bool ok = parse(s);
    CHECK(!ok, "'%s' parsed but should not", s);
    CHECK(strstr(ERR, want) != NULL, "'%s': message '%s' lacks '%s'", s, ERR, want);
    CHECK(strchr(ERR, '\n') == NULL, "'%s': message has a newline: '%s'", s, ERR);
}

#define EQ(field, want) CHECK(P.field == (want), "%s: " #field " = %d, want %d", d, (int)P.field, (int)(want))

static void good_cases(void) {
    const char *d;

    /* defaults: mb2, g1, stride 1, no padding, dense kernel, square */
    d = "ic3ih5oc4kh3";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(n, 2); EQ(groups, 1); EQ(c, 3); EQ(k, 4); EQ(h, 5); EQ(w, 5); EQ(r, 3); EQ(s, 3);
    EQ(stride_h, 1); EQ(stride_w, 1); EQ(pad_t, 0); EQ(pad_b, 0); EQ(pad_l, 0); EQ(pad_r, 0);
    EQ(dil_h, 1); EQ(dil_w, 1); EQ(has_bias, false);
    CHECK(conv_out_h(&P) == 3 && conv_out_w(&P) == 3, "%s: out %dx%d", d, conv_out_h(&P), conv_out_w(&P));
    CHECK(NAME[0] == '\0', "%s: name '%s'", d, NAME);

    /* benchdnn's ResNet-50 lines */
    d = "g1mb50ic3ih224iw224oc64oh112ow112kh7kw7sh2sw2ph3pw3n\"resnet_50:conv1\"";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(n, 50); EQ(c, 3); EQ(h, 224); EQ(w, 224); EQ(k, 64); EQ(r, 7); EQ(s, 7);
    EQ(stride_h, 2); EQ(stride_w, 2); EQ(pad_t, 3); EQ(pad_l, 3); EQ(pad_b, 3); EQ(pad_r, 3);
    CHECK(conv_out_h(&P) == 112 && conv_out_w(&P) == 112, "%s: out", d);
    CHECK(!strcmp(NAME, "resnet_50:conv1"), "%s: name '%s'", d, NAME);

    d = "mb1ic64ih56oc64oh56kh3ph1n\"res2a_branch2b\"";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(n, 1); EQ(c, 64); EQ(h, 56); EQ(w, 56); EQ(k, 64); EQ(r, 3); EQ(s, 3);
    EQ(pad_t, 1); EQ(pad_b, 1); EQ(pad_l, 1); EQ(pad_r, 1);
    CHECK(!strcmp(NAME, "res2a_branch2b"), "%s: name '%s'", d, NAME);
    {   /* canonical: formatting gives the same string back */
        char out[256];
        desc_format(&P, NAME, out, sizeof out);
        CHECK(!strcmp(out, d), "format gave '%s', want '%s'", out, d);
    }

    d = "g1mb50ic256ih56iw56oc512oh28ow28kh1kw1sh2sw2ph0pw0n\"resnet_50:res3a_branch1\"";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(stride_h, 2); EQ(pad_t, 0); EQ(pad_b, 0); EQ(r, 1);
    CHECK(conv_out_h(&P) == 28, "%s: oh %d", d, conv_out_h(&P));

    /* '_' separators, mixed order, explicit dilation 0 (benchdnn's MobileNet file) */
    d = "mb32_g1ic3oc32_ih224oh112kh3sh2dh0ph1_iw224ow112kw3sw2dw0pw1_n\"mobilenet:conv1*3\"";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(n, 32); EQ(c, 3); EQ(k, 32); EQ(stride_h, 2); EQ(stride_w, 2); EQ(dil_h, 1); EQ(pad_t, 1);
    CHECK(!strcmp(NAME, "mobilenet:conv1*3"), "%s: name '%s'", d, NAME);

    /* groups: depthwise */
    d = "g32mb1ic32ih112iw112oc32oh112ow112kh3kw3sh1sw1ph1pw1n\"mobilenet:conv2_1/dw\"";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(groups, 32); EQ(c, 32); EQ(k, 32);
    CHECK(!strcmp(NAME, "mobilenet:conv2_1/dw"), "%s: name '%s'", d, NAME);
    d = "g4mb1ic8ih6oc12kh3";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(groups, 4);

    /* dilation is 0-based in the descriptor */
    d = "mb1ic2ih10oc2kh3dh1";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(dil_h, 2); EQ(dil_w, 2);
    CHECK(conv_out_h(&P) == 6, "%s: oh %d", d, conv_out_h(&P));
    d = "mb1ic2ih10oc2oh10kh3dh1";     /* oh10 derives ph2 */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 2); EQ(pad_b, 2); EQ(pad_l, 2); EQ(pad_r, 2);

    /* asymmetric padding through oh: even kernel, "same" output */
    d = "mb1ic1ih8oc1oh8kh2";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 0); EQ(pad_b, 1); EQ(pad_l, 0); EQ(pad_r, 1);
    d = "mb1ic1ih224oc1oh112kh3sh2";   /* TensorFlow's SAME at stride 2 */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 0); EQ(pad_b, 1);
    d = "mb1ic1ih8oc1oh8kh2ph0";       /* ph given, oh asks for one more row */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 0); EQ(pad_b, 1);
    d = "mb1ic1ih8oc1oh9kh2ph1";       /* symmetric reading holds */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 1); EQ(pad_b, 1);
    d = "mb1ic1ih58oc1oh28kh3sh2";     /* an unused last row, no padding */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 0); EQ(pad_b, 0);
    CHECK(conv_out_h(&P) == 28, "%s: oh %d", d, conv_out_h(&P));

    /* non-square: w entries all-or-none, missing ones take benchdnn defaults */
    d = "mb1ic3ih10iw12oc4kh3kw5";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(h, 10); EQ(w, 12); EQ(r, 3); EQ(s, 5);
    CHECK(conv_out_h(&P) == 8 && conv_out_w(&P) == 8, "%s: out %dx%d", d, conv_out_h(&P), conv_out_w(&P));
    d = "mb1ic3ih10iw12oc4kh3kw5sh2";  /* sw stays 1 as in benchdnn */
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(stride_h, 2); EQ(stride_w, 1);
    d = "mb1ic3ih10iw12oc4oh5ow4kh3kw3sh2sw3ph1pw1";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(stride_w, 3); EQ(pad_l, 1);
    CHECK(conv_out_w(&P) == 4, "%s: ow %d", d, conv_out_w(&P));

    /* 1-D: only w entries, height 1 (benchdnn's 1-D problem) */
    d = "mb1ic4iw20oc4kw3";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(h, 1); EQ(r, 1); EQ(w, 20); EQ(s, 3);
    CHECK(conv_out_h(&P) == 1 && conv_out_w(&P) == 18, "%s: out", d);

    /* names: unquoted to the end, empty, white space trimmed around */
    d = "mb1ic3ih5oc4kh3nfoo:bar";
    CHECK(parse(d), "%s: %s", d, ERR);
    CHECK(!strcmp(NAME, "foo:bar"), "%s: name '%s'", d, NAME);
    d = "  mb1ic3ih5oc4kh3n\"\"  ";
    CHECK(parse(d), "%s: %s", d, ERR);
    CHECK(NAME[0] == '\0', "%s: name '%s'", d, NAME);
    d = "mb1ic3ih5oc4kh3";              /* name buffer may be NULL */
    CHECK(desc_parse(d, &P, NULL, 0, ERR, sizeof ERR) == 0, "%s: NULL name: %s", d, ERR);

    /* convbench's extensions: explicit bottom/right pads, bias */
    d = "mb1ic1ih8oc1kh3ph0pb2";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(pad_t, 0); EQ(pad_b, 2); EQ(pad_l, 0); EQ(pad_r, 2);
    d = "mb1ic1ih8oc1kh3bias1";
    CHECK(parse(d), "%s: %s", d, ERR);
    EQ(has_bias, true);

    /* trivial depth entries benchdnn does not count as 3-D */
    d = "mb1ic1ih8oc1kh3sd1pd0";
    CHECK(parse(d), "%s: %s", d, ERR);
}

static void bad_cases(void) {
    bad("ic3ih5oc4kh3xy2", "unknown entry 'xy'");
    bad("ic3ih5oc4kh3xy2", "position 13");
    bad("ih5oc4kh3", "ic is missing");
    bad("ic3ih5kh3", "oc is missing");
    bad("ic3oc4", "no spatial sizes");
    bad("ic3ih5oc4", "kh is missing");
    bad("ic3oc4kh3", "ih is missing");
    bad("ic3ih5iw6oc4kh3", "kw is missing");
    bad("ic3id5ih5oc4kh3", "3-D");
    bad("mb1ic3id4ih5oc4kh3kd1", "not supported");
    bad("mb1ic3ih5oc4kh3sd2", "3-D");
    bad("hello", "unknown entry");
    bad("", "empty descriptor");
    bad("   ", "empty descriptor");
    bad("ic3ih5oc4kh", "kh has no number");
    bad("ic3ih5oc-4kh3", "negative");
    bad("ic3ih5oc4kh3ih6", "ih given twice");
    bad("ic3ih5oc4kh3n\"abc", "no closing quote");
    bad("ic3ih5oc4kh3n\"abc\"x", "after the name");
    bad("ic3ih5oc4kh9", "no output");
    bad("mb1ic64ih56oc64oh56kh3sh2ph1", "oh56 does not match ih56, kh3, sh2, ph1: expected 28");
    bad("mb1ic64ih56oc64oh20kh3ph1", "oh20 does not match");
    bad("mb1ic64ih56oc64oh20kh3", "oh20 does not match");
    bad("mb1ic3ih10iw12oc4ow30kh3kw3pw0", "ow30 does not match iw12, kw3, sw1, pw0: expected 10");
    bad("mb1ic3ih10iw12oc4ow30kh3kw3", "more than the kernel reaches");
    bad("g3ic4ih5oc6kh3", "g3 does not divide ic4");
    bad("g2ic4ih5oc5kh3", "g2 does not divide oc5");
    bad("g0ic4ih5oc4kh3", "groups");
    bad("mb0ic4ih5oc4kh3", "minibatch");
    bad("ic4ih5oc4kh3sh0", "stride");
    bad("ic4ih0oc4kh3", "ih0");
    bad("ic4ih5oc4kh3ic999999999999", "larger than");
    bad("123", "no entry letter");
    bad("ic4 ih5oc4kh3", "unexpected ' '");
    bad("MB1ic4ih5oc4kh3", "unexpected 'M'");
}

static void problem_checks(void) {
    conv_problem q = {.n = 1, .c = 64, .h = 8, .w = 8, .k = 64, .r = 3, .s = 3,
                      .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1};
    CHECK(problem_check(&q, ERR, sizeof ERR) == 0, "good problem: %s", ERR);
    conv_problem x;
#define BADP(stmt, want)                                                               \
    do {                                                                               \
        x = q;                                                                         \
        stmt;                                                                          \
        ERR[0] = 0;                                                                    \
        CHECK(problem_check(&x, ERR, sizeof ERR) == -1, "%s accepted", #stmt);         \
        CHECK(strstr(ERR, want) != NULL, "%s: '%s' lacks '%s'", #stmt, ERR, want);    \
        CHECK(strchr(ERR, ';') != NULL, "%s: '%s' says no remedy", #stmt, ERR);       \
    } while (0)
    BADP(x.n = 0, "n: ");
    BADP(x.c = 0, "c: ");
    BADP(x.h = -1, "h: ");
    BADP(x.w = 0, "w: ");
    BADP(x.k = 0, "k: ");
    BADP(x.r = 0, "r: ");
    BADP(x.s = 0, "s: ");
    BADP(x.stride_w = 0, "stride: ");
    BADP(x.dil_h = 0, "dilation: ");
    BADP(x.pad_b = -1, "pad: ");
    BADP(x.groups = 0, "groups: ");
    BADP(x.groups = 3, "groups: 3 does not divide c=64; use a divisor of both c and k");
    BADP((x.groups = 2, x.k = 6, x.c = 4, x.k = 5), "does not divide k=5");
    BADP(x.r = 9, "output: ");
    BADP((x.s = 5, x.dil_w = 2), "output: ");
    BADP(x.h = 100000000, "give at most");
    x = q;
    x.r = 9;
    x.pad_t = x.pad_b = 1;
    CHECK(problem_check(&x, ERR, sizeof ERR) == 0, "9-tap kernel on 8+2 rows: %s", ERR);
}

static bool same_problem(const conv_problem *a, const conv_problem *b) {
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w && a->k == b->k &&
           a->r == b->r && a->s == b->s && a->stride_h == b->stride_h &&
           a->stride_w == b->stride_w && a->pad_t == b->pad_t && a->pad_l == b->pad_l &&
           a->pad_b == b->pad_b && a->pad_r == b->pad_r && a->dil_h == b->dil_h &&
           a->dil_w == b->dil_w && a->groups == b->groups && a->has_bias == b->has_bias;
}

static void round_trip(void) {
    cb_rng rng = {20240611};
    static const char *names[] = {"", "conv1", "res2a_branch2b", "mobilenet:conv2_1/dw", "a b"};
    int done = 0, plain = 0, tries = 0;
    while (done < 500 && tries < 100000) {
        tries++;
        conv_problem q;
        memset(&q, 0, sizeof q);
        int g = cb_rng_int(&rng, 0, 3) == 0 ? cb_rng_int(&rng, 2, 6) : 1;
        bool dw = cb_rng_int(&rng, 0, 4) == 0;
        q.n = cb_rng_int(&rng, 1, 4);
        q.groups = g;
        q.c = dw ? g : g * cb_rng_int(&rng, 1, 4);
        q.k = dw ? g : g * cb_rng_int(&rng, 1, 4);
        bool sq = cb_rng_int(&rng, 0, 2) == 0;
        q.h = cb_rng_int(&rng, 1, 24);
        q.r = cb_rng_int(&rng, 1, 5);
        q.stride_h = cb_rng_int(&rng, 1, 3);
        q.dil_h = cb_rng_int(&rng, 0, 2) ? 1 : cb_rng_int(&rng, 2, 3);
        q.pad_t = cb_rng_int(&rng, 0, 3) ? cb_rng_int(&rng, 0, 2) : cb_rng_int(&rng, 0, 5);
        q.pad_b = cb_rng_int(&rng, 0, 1) ? q.pad_t : cb_rng_int(&rng, 0, 5);
        if (sq) {
            q.w = q.h, q.s = q.r, q.stride_w = q.stride_h, q.dil_w = q.dil_h;
            q.pad_l = q.pad_t, q.pad_r = q.pad_b;
        } else {
            q.w = cb_rng_int(&rng, 1, 24);
            q.s = cb_rng_int(&rng, 1, 5);
            q.stride_w = cb_rng_int(&rng, 1, 3);
            q.dil_w = cb_rng_int(&rng, 0, 2) ? 1 : cb_rng_int(&rng, 2, 3);
            q.pad_l = cb_rng_int(&rng, 0, 2);
            q.pad_r = cb_rng_int(&rng, 0, 1) ? q.pad_l : cb_rng_int(&rng, 0, 5);
            if (cb_rng_int(&rng, 0, 4) == 0) { /* 1-D */
                q.h = q.r = q.stride_h = q.dil_h = 1;
                q.pad_t = q.pad_b = 0;
            }
        }
        q.has_bias = cb_rng_int(&rng, 0, 3) == 0;
        if (problem_check(&q, ERR, sizeof ERR)) continue;
        const char *nm = names[cb_rng_int(&rng, 0, 4)];
        char s1[256], s2[256], nm2[96];
        desc_format(&q, nm, s1, sizeof s1);
        conv_problem b;
        if (desc_parse(s1, &b, nm2, sizeof nm2, ERR, sizeof ERR)) {
            CHECK(0, "round trip: '%s' does not parse: %s", s1, ERR);
            done++;
            continue;
        }
        CHECK(same_problem(&q, &b),
              "round trip '%s': pads %d,%d,%d,%d -> %d,%d,%d,%d; strides %d,%d -> %d,%d", s1,
              q.pad_t, q.pad_l, q.pad_b, q.pad_r, b.pad_t, b.pad_l, b.pad_b, b.pad_r,
              q.stride_h, q.stride_w, b.stride_h, b.stride_w);
        CHECK(!strcmp(nm, nm2), "round trip '%s': name '%s' -> '%s'", s1, nm, nm2);
        desc_format(&b, nm2, s2, sizeof s2);
        CHECK(!strcmp(s1, s2), "format not stable: '%s' then '%s'", s1, s2);
        /* benchdnn's own grammar suffices unless the pads are odd or there is bias */
        bool ext = strstr(s1, "pb") || strstr(s1, "pr") || strstr(s1, "bias");
        if (!ext) plain++;
        if (q.pad_t == q.pad_b && q.pad_l == q.pad_r)
            CHECK(!strstr(s1, "pb") && !strstr(s1, "pr"), "symmetric pads need no extension: '%s'", s1);
        done++;
    }
    CHECK(done == 500, "only %d random problems in %d tries", done, tries);
    CHECK(plain > 200, "only %d of %d round trips in plain benchdnn grammar", plain, done);

    /* a short buffer truncates without overflowing */
    char small[8];
    memset(small, 'x', sizeof small);
    conv_problem q = {.n = 1, .c = 64, .h = 56, .w = 56, .k = 64, .r = 3, .s = 3, .stride_h = 1,
                      .stride_w = 1, .pad_t = 1, .pad_l = 1, .pad_b = 1, .pad_r = 1, .dil_h = 1,
                      .dil_w = 1, .groups = 1};
    desc_format(&q, "x", small, 6);
    CHECK(strlen(small) == 5 && small[6] == 'x', "truncation: '%.8s'", small);
}

int main(void) {
    good_cases();
    bad_cases();
    problem_checks();
    round_trip();
    return check_report();
}
