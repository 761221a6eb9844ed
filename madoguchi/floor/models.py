# Models of フロア業務.
