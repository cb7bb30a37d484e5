-- AlterTable
ALTER TABLE "Identity" ADD COLUMN     "targetLogin" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Identity_targetLogin_key" ON "Identity"("targetLogin");
