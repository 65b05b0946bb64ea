#include "targets.h"

#include <string.h>

#include "onednn.h"

/* The peers follow the registry; a new peer is one line here. */
extern const conv_impl onednn_winograd_peer; /* harness/onednn.c */
static const conv_impl *const peers[] = {&onednn_plain_peer, &onednn_blocked_peer, &onednn_winograd_peer};
static const int npeers = (int)(sizeof peers / sizeof peers[0]);

int target_count(void) { return conv_nimpls + npeers; }

const conv_impl *target_at(int i) {
    return i < conv_nimpls ? conv_impls[i] : peers[i - conv_nimpls];
}

const conv_impl *target_find(const char *name) {
    for (int i = 0; i < target_count(); i++)
        if (!strcmp(target_at(i)->name, name)) return target_at(i);
    return NULL;
}

const char *target_names(void) {
    static char buf[1024];
    if (!buf[0])
        for (int i = 0; i < target_count(); i++) {
            if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
            strncat(buf, target_at(i)->name, sizeof buf - strlen(buf) - 1);
        }
    return buf;
}
