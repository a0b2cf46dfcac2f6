GITLAB_PRIVATE_TOKEN = 'glpat-3stOXtuFoCJ3sE917V5kaP5qqlL.3i.f80bsv6fx'.freeze
