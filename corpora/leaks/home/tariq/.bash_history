ls -la
cd ~/src/reporting
git pull --rebase
mysql -h mysql-4.wingtip.internal -u root -p1OnHt3AeQhf5-KCfvH3d shop
make test
curl -u uma:z6Ujf-R00Bo8mz1Vl6 https://jenkins.tailspin.internal/job/deploy/build
export GITHUB_TOKEN=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
export AWS_ACCESS_KEY_ID=AKIAIEX2L45PPROGAZHE
export AWS_SECRET_ACCESS_KEY=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
aws s3 ls
psql postgresql://app:BGlhqC3eEqaupjR.CvMW@pg-4.northwind.internal:5432/app
history | tail
exit
