-- AlterTable
ALTER TABLE "Grant" ADD COLUMN     "targetLogin" TEXT;
