export const SQUARE_ACCESS_TOKEN: string = "EAAAt6bXuBUf2DMc_jvxdEVgtEjbAG80SMPGx4eDCuBQOEl2PUCzi-WBvhj2Zjx7";
