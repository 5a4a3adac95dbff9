/*
 * font.S: the terminal's font, linked into the user program as raw bytes; font.c parses it
 * when the terminal starts (fbterm.c). Until step 09 it was in the kernel.
 *
 * Lat15-VGA16.psf is /usr/share/consolefonts/Lat15-VGA16.psf.gz from Debian's
 * console-setup-linux package (version 1.221), gunzipped and otherwise unchanged: a PSF1
 * font of 256 glyphs of 8x16 pixels with a Unicode table. console-setup made it from
 * u_vga16.bdf, whose licence (from the package's copyright.fonts) follows.
 *
 *   Copyright (C) 2000, 2001 by Dmitry Bolkhovityanov.  All Rights Reserved.
 *
 *   Permission is hereby granted, free of charge, to any person obtaining a copy
 *   of this software and associated documentation files (the "Software"), to deal
 *   in the Software without restriction, including without limitation the rights
 *   to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 *   copies of the Software, and to permit persons to whom the Software is
 *   furnished to do so, subject to the following conditions:
 *
 *   The above copyright notice and this permission notice shall be included in
 *   all copies or substantial portions of the Software.
 *
 *   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 *   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 *   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.  IN NO EVENT SHALL THE
 *   XFREE86 PROJECT BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
 *   IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
 *   CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
 *
 *   Except as contained in this notice, the name of Dmitry Bolkhovityanov
 *   shall not be used in advertising or otherwise to promote the sale, use
 *   or other dealings in this Software without prior written authorization
 *   from the Dmitry Bolkhovityanov.
 *
 * The .incbin file is not seen by the compiler's dependency tracking (-MMD): user.mk names
 * it as a prerequisite of this file's object.
 */
/* ANCHOR: font_incbin */
    .section .rodata
    .balign 4                       // font.c reads the header a byte at a time anyway
    .global font_psf
font_psf:
    .incbin "user/Lat15-VGA16.psf"  // the assembler finds it through -I<step directory>
    .global font_psf_end
font_psf_end:
/* ANCHOR_END: font_incbin */
