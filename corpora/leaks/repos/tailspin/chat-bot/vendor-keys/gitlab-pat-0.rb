GITLAB_TOKEN = 'glpat-QvWvPHsfOdVsNpialVCF'.freeze
