/* Importers from other tools' files into traces: shapiq's precomputed games
 * (.npz, see npz.h) and shapiq's JSON game files (Game.save / to_json_file:
 * {"metadata": {"n_players", "game_name", "normalization_value", "player_names",
 * ...}, "data": {"Empty": v, "0": v, "0,3": v, ...}}, values unnormalised). */
#ifndef SB_TRACE_IMPORT_H
#define SB_TRACE_IMPORT_H

#include "core/error.h"
#include "trace/trace.h"

/* Full 2^n table of a shapiq .npz game as a trace (header: source, n, feature
 * names f0.., normalization_value in extra).  Caller frees *out. */
int sb_trace_import_npz(const char *path, sb_trace **out, sb_error *err);
/* A shapiq JSON game (any subset of coalitions).  Errors name the file and key. */
int sb_trace_import_shapiq_json(const char *path, sb_trace **out, sb_error *err);
/* By content (magic bytes): a zip is an .npz game, JSON a shapiq JSON game, a
 * trace a trace; a file of no known kind by its extension (.npz, .json), else
 * as a trace, so the error comes from the reader it was meant for.  Caller frees. */
int sb_trace_import_any(const char *path, sb_trace **out, sb_error *err);
/* 1 if sb_trace_import_any reads `path` as a trace (not an .npz or JSON game). */
int sb_trace_import_reads_as_trace(const char *path);

#endif
