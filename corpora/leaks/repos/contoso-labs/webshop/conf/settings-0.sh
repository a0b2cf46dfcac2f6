export PASSWORD="3os79hJaFTn6LVf_2um"
