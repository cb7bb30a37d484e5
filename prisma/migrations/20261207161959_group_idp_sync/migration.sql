-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "idpGroup" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Group_idpGroup_key" ON "Group"("idpGroup");
