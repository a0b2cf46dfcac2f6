const key =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "MIIEogIBACkew+r1tAQ5ZJwwqS3Dl8eLubdthJMSn8Ad71Rl6DPiYsbgKAguxX1A\n" +
  "ywQlWR2oFvbOq9GMV+lWgifLwaNz94WZzQEyOCCoHS4CiS9+oOfeBWpZeC8xphIG\n" +
  "11ZaVn2USt5k1DulXsN6D0sTShPTGDNe0FGJ61EnIzRWNjFO5kD9W5qm0gbWIS6c\n" +
  "T7Rjs1J2Fg3KcANMp+8WlFJK87XcixrsjkFnT77oR1gpyAsh9nkc2IN7CVR1KAZD\n" +
  "yfyOaxsSHKDVnoJ49sKznmBSCEEcgKapkZn838Flcj103IYxI8Kh2lLYk2qb9Lq/\n" +
  "pggmMjrXik7y9zUqrro0sqhNqQsgXVE4RiNGqjClVfOtjhe2Yve1RtAIM+qJOtYL\n" +
  "QZ0bJYq6XfZ2C6RDPUwW1qYHpGtN4IXEt2uebAK3OVnEwk6wAKTmZvDztzgkxGm+\n" +
  "VfPzC0b0D6Lj12oNvZ2v+vHjHb/RzPcI7xUeM3QXS/PEIXZ1Y8mEU/rcymByksge\n" +
  "r8HT6JCCMsmdKIkRYsoYLTtACWt8xmo/LQ/oYmZxb31Pp/WrDGi8fmVDB1ysHcQL\n" +
  "tjzdRDjTagf5B9qT54jih/yAeaQPnhKUQx7n5HpdE5SLZMxtkZKtyhk/OUMVkALc\n" +
  "2KvC7LkQvFg2fXLeWkezOwrZr1b+ael3PG+hb66mTZgw8e/m6t+UR9xh03yga4aZ\n" +
  "AmVSA3qZT0QUGs2a16AY5WybIIY1JV1AR0W5QFY1XmxljGEUjLge6NyuhmslmpRC\n" +
  "JBIZFHesvdB4dzLwSnc+LZS7ydBBwRC75MRT7NWFl60dbQYmUBjZfCL+JSgs6sKO\n" +
  "fNxK9BhRm95zPh0uutW13N+KezHHG/t9eNfy6Yzz9lYoCXEXMcU5Q2BF3UbjzXZz\n" +
  "lBlNslpjcU5oo48J36aVwbxJ9AilXVDgW+RryQYvSu7a26XEJ2aqFgnCov5WCicy\n" +
  "59qUC43GLc6iQQthFbOqOZJ4bUizyf8xmem6hHoA6jQZa0vLbHjJLHayCdCChOPB\n" +
  "hAY1RNMd6BQ+QdDy4iGueb+COny4kAoXnyPE+Uy15FSc56KuDG7VLV9Oj3tHH9uN\n" +
  "KobaAh0czQ+z+/hohFoxzN4bYd04WDiHuFdToMaqAOjkYoxTbSYEwBIMY14cUARw\n" +
  "VrRQqGqRvPoxTzbCwiJIYAdeXU0Uhzehx8syn6vPwd07voPBM/m8K8609EhCqesA\n" +
  "taZ9D73XtilXTvB011V6jLYZuyDeO0ywLtvpwr6Kd4b8F0H9f9s0j8Ci8pXv/yMY\n" +
  "/pKBhGPC+QbSRm/fUwUXNMS8v8cHS5po5zKO8wcNfPim9K0h5ryqCunjGeJc8a5N\n" +
  "g3Qdeo/Bdqhm1MF3Z02P2+Ea4YEctXghGLfy/5+btFBe8u6MpP2nEWac49ZTaPrx\n" +
  "P0b9CSwEn8SetzCcIt5f5pLjf7ELOfvlW+qPcLPxSTnXf934H39p3w4FR/1QU082\n" +
  "EElwhayqcR56no9SnNB1fTf3YqLIHROhl22sXRyVz7MJsOIUdlcO5S6e2QVhefZ0\n" +
  "Y0mfpbTez5gNJR4/PupEpK2pL8O5LXBZlqkgoZ1O+0F7QSEcOwc=\n" +
  "-----END RSA PRIVATE KEY-----\n";
