/* SPDX-License-Identifier: GPL-2.0 */
/* The CBOR wire constants (RFC 8949 §3, §3.3) shared by the writer and the decoder. */
#ifndef COCONUT_LIB_CBOR_WIRE_H
#define COCONUT_LIB_CBOR_WIRE_H

/* The major types. */
enum {
	MT_UINT = 0,
	MT_NINT = 1,
	MT_BYTES = 2,
	MT_TEXT = 3,
	MT_ARRAY = 4,
	MT_MAP = 5,
	MT_TAG = 6,
	MT_SIMPLE = 7,
};

/* Additional information values. */
#define AI_1BYTE 24
#define AI_8BYTES 27
#define AI_INDEFINITE 31

/* Simple values of major type 7. */
#define SIMPLE_FALSE 20
#define SIMPLE_TRUE 21
#define SIMPLE_NULL 22
#define SIMPLE_UNDEFINED 23

#endif /* COCONUT_LIB_CBOR_WIRE_H */
