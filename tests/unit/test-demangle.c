// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: demangled names as perf report shows them (no parameters, no clone
 * suffixes), the cut at the parameters with template arguments, operators and
 * anonymous namespaces in the way, Rust's legacy hash, and names left alone.
 * libstdc++.so.6 is on every Debian system (apt needs it), so the demangler loads.
 */
#include <stdlib.h>

#include "kscope/symbols/demangle.h"
#include "tap.h"

static void check(struct ks_demangler *d, const char *mangled, const char *want)
{
	char *got = ks_demangle(d, mangled);

	if (want)
		is_str(got, want, "%s", mangled);
	else
		ok(!got, "%s stays as it is", mangled);
	free(got);
}

int main(void)
{
	struct ks_demangler *d = ks_demangler_new();

	ok(d != NULL, "a demangler");
	check(d, "_ZN11kscope_test7spin_nsEm", "kscope_test::spin_ns");
	check(d, "_ZN11kscope_test7SpinnerIiE4burnEi.isra.0", "kscope_test::Spinner<int>::burn");
	check(d, "_ZNK11kscope_test7FunctorclEm", "kscope_test::Functor::operator()");
	check(d, "_ZltRK1AS1_", "operator<");
	check(d, "_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc",
	      "std::basic_ostream<char, std::char_traits<char> >& "
	      "std::operator<< <std::char_traits<char> >");
	check(d, "_ZSt16__insertion_sortIPPN7rtl_ssa8phi_infoEN9__gnu_cxx5__ops15_Iter_comp_iter"
	      "IPFbPKNS0_11access_infoES9_EEEEvT_SD_T0_",
	      "void std::__insertion_sort<rtl_ssa::phi_info**, __gnu_cxx::__ops::_Iter_comp_iter"
	      "<bool (*)(rtl_ssa::access_info const*, rtl_ssa::access_info const*)> >");
	check(d, "_ZN12_GLOBAL__N_13fooEi", "(anonymous namespace)::foo");
	check(d, "_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place");
	check(d, "_ZN4core3ptr13drop_in_place17hxyz3456789abcdefE",
	      "core::ptr::drop_in_place::hxyz3456789abcdef");
	check(d, "_ZTV3Foo", "vtable for Foo");
	check(d, "main", NULL);
	check(d, "_Z", NULL);
	check(d, "_Zgarbage(", NULL);
	ok(ks_demangle_wanted("_ZN1a1bEv") && !ks_demangle_wanted("_start") &&
	   !ks_demangle_wanted(""), "what counts as mangled");
	ok(!ks_demangle(NULL, "_ZN1a1bEv"), "no demangler: nothing");
	ks_demangler_free(d);
	return tap_done();
}
