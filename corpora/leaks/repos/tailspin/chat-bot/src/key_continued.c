static const char kKey[] =
    "-----BEGIN EC PRIVATE KEY-----\n" \
    "MHcCAQEEIB37EfAGs3D84wr3xbf1uKvHZfMIFuTRvwe5v7PXsH0mYnfY5wEF3RT9\n" \
    "HuEkwBxpA1TZLwrVC6oXIWFZCnVSWNFpa5LCgRPd39Baa4f/zReSxJO2bpUddPTs\n" \
    "KD0WSJoKdFgtMzX6BpocG77LHXnOirUiGg==\n" \
    "-----END EC PRIVATE KEY-----\n";
