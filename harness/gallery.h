/* `convbench gallery`: every named kernel on every image, through every
 * implementation, drawn as one contact sheet per image (plots/gallery.gp)
 * with an index of which implementations reproduced each picture
 * (harness/gallery.c). */
#ifndef CONVBENCH_GALLERY_H
#define CONVBENCH_GALLERY_H

/* `convbench gallery ARGS` (argv without the command name): 0 ok, 1 an
 * implementation disagreed with naive or gnuplot failed, 2 bad input. */
int cmd_gallery(int argc, char **argv);
#endif
