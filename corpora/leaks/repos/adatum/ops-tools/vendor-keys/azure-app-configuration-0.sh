export APP_CONFIG_CONNECTION="Endpoint=https://ops-tools-cfg.azconfig.io;Id=fo8O-l0-s0:EbCJUtezFtrz5oomrx45;Secret=k95i4CBTWiECOFku49oD4o/Kx1jHgI+NVNu4aW4uGCY="
