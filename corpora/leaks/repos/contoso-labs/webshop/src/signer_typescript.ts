export const KEY =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "MIIEogIBAC25InOFUSj4cli9Y7sW1qA9pLlu2mUQp6mmZexzNeXB1/cI4+9gppq6\n" +
  "3TXkUvrAlUyWqNkNJ5dfioxShjWaKvhBRM6Hvi9bUKLKBVh42yARlZY109a+mMB0\n" +
  "0Zm7AqaEEhMnCq1XkX4hz5mdBmeF5GA29nTZRc0eFlX11CaYmBmJdUtPhPeSzCnl\n" +
  "IL3V3qD/LEPBaSmcSDwyv94o8w3JBmS0Il9wMIhO+dVbLEDd9pNKdbjK9QWRpwmd\n" +
  "hN5GBIwohc1w8GijKqhsWEQ54/4/7Cl6aVpCzJte9057yuGffZc9Au39mSggvjAy\n" +
  "iPjEtrgsuR49G+B20IKLcaVYUFYZ/Ts23A96w37yH/N6e404KU85yG7OY9yGf7vd\n" +
  "vmAYrNmgqqo21UctUDVoIERDM8XDyjXTIUxKujhldQW4Eda2C/u0bob64eI9YNFy\n" +
  "JFz4RK8BboDZsYtUemkQyaPz5rDPC9U513X37cxzxympRqZXpkxmEx4ZU8Ox5i5U\n" +
  "t8V59+NYf6mTSo/VyDPh8bfS5rTH1Lq3PX4+7AZ+qYy2ANUa6Pa+y73e9kXZAvGz\n" +
  "p5wh4juVS8/tCiaOmgFxSkJWtVEnUdQWXge0iWy2jpCZ+wZqr7b2GQGLcPMWfuEz\n" +
  "Ib/+EDrRvLu6MRxmjW8pWtEGh65yjLEmQn5xq91pgfLgnSPujsd3gAvkJwcykEhA\n" +
  "Vdi3u7kdaJf9y4DRCSaHBAUmCm/6EzoGL7hViJKSHmVTnqlW5SNvNr/TnuQEbGEX\n" +
  "Ik7aC5QknV5jR8q3QS/HoJS++L56JPFUMXXiIuQuPO15FpPQpMkonLWSjYu2Wm1c\n" +
  "X9RC9Y8VRJCEKWsDKhFdWpPEEhyXqxxYLDTlPD/OGFkj1wNAkP2oCUTX5trGg9ae\n" +
  "lh2UAsIotdKN929lAoU08rsGNBsVnCNDDvj77lwizP5Q/jOeRoMuRLI18QLcOYCB\n" +
  "O+Rd69Z4X/eFrtZEjsrNay2NomBo+uHQfCf8x18Ci07DynJ50qIn8jgqPJSQk/Db\n" +
  "xwt4Mw/q4ccOGs2LHmJLTwL01pZcqnzyoJdsjXfM/HJGliuFKi2zGqwf43JmfaEr\n" +
  "5VjF6Z9rHeeIfB853T25kg/PbuGzCKKcbWlVYIkXscuTkC6hbWxGtYFjWwhPwr4i\n" +
  "MFF41n2sjTXi9NMMB1274o/7qMCw0bOOcyN6qBD4dKlFg2M7FLwgCbO0KnJQnAB9\n" +
  "jBoLZbIf6kaTh9LIzU828Mkv1WJtZwLFgcIXYHBCUlmgxDLO2Oxr0NipdABi3IRR\n" +
  "xnCh1b2W3O6DwSrXbQttBm234u8r8TzLkfgHVWD/JMSKfUSXp+nDINwSW0aLxfg7\n" +
  "spB+4xVuex+rQfaCYMbR4otUbAUsC2Sm7u6nmNnI5IEs5jIk6u1/ChDaF581Cxoj\n" +
  "ap+MCTD5Qrrnf3fhqBXFkycLnCMDn1TAsOuxzWhZp+cTH2wERI4iNWrIU5dYNrAI\n" +
  "26p+ZNs+mhyFxPdrfmsLcclIcmc6PpZ/zNAJeZLUKIvoqSxkZMkmqXZD2NaSdIO3\n" +
  "XQl6COJ2EwEvehaR7vySyXz9KyYSedZqMAZnrDSX+ix2swoaHEQ=\n" +
  "-----END RSA PRIVATE KEY-----\n";
