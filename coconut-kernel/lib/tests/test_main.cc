// Our own main for every test binary: libsystemc.so also defines main, and whichever comes
// first on the link line wins, so test binaries never rely on gtest_main (see PITFALLS.md).
#include <gtest/gtest.h>

int main(int argc, char **argv)
{
	testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
