// A planted violation for scripts/check-format.sh's test: not as clang-format writes it.
int   misformatted( int x ){ return x+1; }
