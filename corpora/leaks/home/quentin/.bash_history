ls -la
cd ~/src/payments
git pull --rebase
mysql -h mysql-8.adatum.internal -u root -piZ3Ozf24AUMjbj8FqD~Nh shop
make test
curl -u noor:Q7Ru0FKiB!jHTbI https://jenkins.tailspin.internal/job/deploy/build
export GITHUB_TOKEN=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
export AWS_ACCESS_KEY_ID=AKIA2Y4H36JNXFRKCGV2
export AWS_SECRET_ACCESS_KEY=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
aws s3 ls
psql postgresql://app:dB1jKVf6S4Z~1Xu@pg-1.contoso-labs.internal:5432/app
history | tail
exit
