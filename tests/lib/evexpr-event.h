/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test event of the offline filter's unit test and fuzz target: fields of every
 * layout (signed and unsigned numbers of each width, a fixed array, __data_loc and
 * __rel_loc strings, a pointer to a string).
 */
#ifndef KSCOPE_TESTS_EVEXPR_EVENT_H
#define KSCOPE_TESTS_EVEXPR_EVENT_H

#define EVEXPR_EVENT_ID 7

static const char evexpr_format[] =
	"name: ev\nID: 7\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:long ret;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:int small;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned int flags;\toffset:20;\tsize:4;\tsigned:0;\n"
	"\tfield:char name[16];\toffset:24;\tsize:16;\tsigned:0;\n"
	"\tfield:__data_loc char[] path;\toffset:40;\tsize:4;\tsigned:0;\n"
	"\tfield:__rel_loc char[] rel;\toffset:44;\tsize:4;\tsigned:0;\n"
	"\tfield:const char * ptr;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned char b;\toffset:56;\tsize:1;\tsigned:0;\n"
	"\tfield:short s;\toffset:58;\tsize:2;\tsigned:1;\n"
	"\nprint fmt: \"ret=%ld\", REC->ret\n";

#endif
