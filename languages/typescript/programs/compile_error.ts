const broken: number = (1 + ;
